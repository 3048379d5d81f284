import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalBalancer } from '../../cluster/local/balancer.js';
import type { LocalTargetSpec } from '../experiment/schema.js';
import { DrillDatabase, startDrillDatabase } from './database.js';
import { FaultProxy } from './fault-proxy.js';
import { findHaproxy, startHaproxy, type DrillBalancer } from './haproxy.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { drillServerPath } from './paths.js';
import { freePort } from './ports.js';

export interface TopologyOptions {
  /** Multiplies the partition bands (and nothing else here) so tests can run the same experiment shorter. */
  scale: number;
  /** Admin URL of a PostgreSQL server for `store: postgres` (a throwaway database is created on it). */
  postgresAdminUrl: string;
  /** Extra variables for every node (e.g. CONTINUUM_SESSIONS_DURABLE=false to see a drill fail). */
  nodeEnv: Record<string, string>;
  log: (line: string) => void;
}

export type Link = 'store' | 'clients';

/** One node of the topology: its process, and a fault proxy on each of its links. */
export class TopologyNode {
  proc: NodeProcess | null = null;
  paused = false;
  /** Stopped on purpose (a fault); an unexpected exit is reported instead. */
  down = false;
  readonly cutLinks = new Set<Link>();

  constructor(
    readonly id: string,
    readonly region: string,
    readonly port: number,
    readonly clientProxy: FaultProxy,
    readonly storeProxy: FaultProxy | null,
    private readonly launch: () => Promise<NodeProcess>,
  ) {}

  get base(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.proc = await this.launch();
    this.down = false;
    this.paused = false;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    this.down = true;
    if (this.paused) this.proc?.child.kill('SIGCONT');
    await this.proc?.kill(signal);
    this.proc = null;
    this.paused = false;
  }

  pause(): void {
    if (!this.proc) throw new Error(`${this.id} is not running`);
    this.proc.child.kill('SIGSTOP');
    this.paused = true;
  }

  resume(): void {
    this.proc?.child.kill('SIGCONT');
    this.paused = false;
  }

  cut(links: Link[]): void {
    for (const l of links) {
      const proxy = l === 'store' ? this.storeProxy : this.clientProxy;
      if (!proxy) throw new Error(`${this.id} has no ${l} link to cut (the store is a shared file)`);
      proxy.cut();
      this.cutLinks.add(l);
    }
  }

  heal(): void {
    this.clientProxy.heal();
    this.storeProxy?.heal();
    this.cutLinks.clear();
  }
}

/**
 * The local drill topology: regions as groups of `continuum up` processes sharing one store, a fault
 * proxy on every link (balancer -> node, node -> database), and the round-robin balancer of
 * `continuum up --nodes` in front. Everything lives under one temporary directory and is torn down by
 * stop(), which is safe to call twice and also runs (synchronously, as far as signals go) on process exit.
 */
export class LocalTopology {
  private balancer?: DrillBalancer;
  /** Which balancer is in front: HAProxy (when installed) or the built-in one of `continuum up --nodes`. */
  balancerKind: 'haproxy' | 'local' = 'local';
  private stopped = false;
  private readonly exitHook = () => this.killAllNow();

  private constructor(
    readonly spec: LocalTargetSpec,
    readonly dir: string,
    readonly db: DrillDatabase,
    readonly nodes: TopologyNode[],
  ) {}

  /** The balancer's MCP URL: what clients connect to. */
  get url(): string {
    return `${this.balancer!.url}/mcp`;
  }

  /** The store URL as the harness sees it (direct, no fault proxy): used to verify acknowledged writes. */
  get storeUrl(): string {
    return this.db.url;
  }

  static async start(spec: LocalTargetSpec, o: TopologyOptions): Promise<LocalTopology> {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-drill-'));
    let db: DrillDatabase | undefined;
    const nodes: TopologyNode[] = [];
    const topology = { value: undefined as LocalTopology | undefined };
    try {
      db = await startDrillDatabase(spec.store, { dir, postgresAdminUrl: o.postgresAdminUrl, log: o.log });
      const server = drillServerPath();
      const scaled = (ms: number) => `${Math.max(1, Math.round(ms * o.scale))}ms`;
      let n = 0;
      for (const region of spec.regions) {
        for (let i = 0; i < region.nodes; i++) {
          const id = `node-${++n}`;
          const port = await freePort();
          const clientProxy = new FaultProxy({ host: '127.0.0.1', port });
          await clientProxy.start();
          let storeProxy: FaultProxy | null = null;
          let store = db.url;
          if (db.endpoint) {
            storeProxy = new FaultProxy(db.endpoint);
            await storeProxy.start();
            store = db.urlVia(storeProxy.port);
          }
          const env = {
            CONTINUUM_CLUSTER_PARTITION_SHORT: scaled(spec.partition.short),
            CONTINUUM_CLUSTER_PARTITION_LONG: scaled(spec.partition.long),
            CONTINUUM_INCIDENTS_JOURNAL: join(dir, `${id}-journal.jsonl`),
            ...spec.env,
            ...o.nodeEnv,
          };
          const args = ['--host', '127.0.0.1', '--port', String(port), '--node-id', id, '--region', region.name, '--store', store, '--server', server, '--log-level', 'warn'];
          nodes.push(new TopologyNode(id, region.name, port, clientProxy, storeProxy, () => startNodeProcess(args, env, dir)));
        }
      }
      const t = new LocalTopology(spec, dir, db, nodes);
      topology.value = t;
      process.once('exit', t.exitHook);
      // The first node applies the migrations; the rest start together.
      await nodes[0].start();
      await Promise.all(nodes.slice(1).map((node) => node.start()));
      const haproxy = spec.balancer === 'local' ? null : findHaproxy();
      if (spec.balancer === 'haproxy' && !haproxy) throw new Error('target.local.balancer is haproxy, but HAProxy is not installed (apt-get install haproxy)');
      if (haproxy) {
        t.balancer = await startHaproxy(haproxy, dir, nodes.map((node) => ({ id: node.id, port: node.clientProxy.port })));
        t.balancerKind = 'haproxy';
      } else {
        const local = new LocalBalancer({
          host: '127.0.0.1',
          port: 0,
          checkEveryMs: 250,
          backends: nodes.map((node) => ({ id: node.id, base: `http://127.0.0.1:${node.clientProxy.port}` })),
        });
        await local.start();
        t.balancer = { get url() { return local.url; }, stop: () => local.stop(), killNow: () => undefined };
      }
      o.log(`topology: ${spec.regions.map((r) => `${r.name} x${r.nodes}`).join(', ')} on ${db.description}; ${t.balancerKind} balancer ${t.url}; work dir ${dir}`);
      return t;
    } catch (err) {
      if (topology.value) await topology.value.stop();
      else {
        await Promise.all(nodes.map((node) => node.kill('SIGKILL').catch(() => undefined)));
        await Promise.all(nodes.flatMap((node) => [node.clientProxy.stop(), node.storeProxy?.stop()]));
        await db?.stop().catch(() => undefined);
        rmSync(dir, { recursive: true, force: true });
      }
      throw err;
    }
  }

  node(id: string): TopologyNode {
    const node = this.nodes.find((n) => n.id === id);
    if (!node) throw new Error(`no node ${id} (nodes: ${this.nodes.map((n) => n.id).join(', ')})`);
    return node;
  }

  region(name: string): TopologyNode[] {
    const nodes = this.nodes.filter((n) => n.region === name);
    if (nodes.length === 0) throw new Error(`no region ${name}`);
    return nodes;
  }

  /** How many running, unpaused nodes answer /readyz with 200 (directly, not through their proxies). */
  async readyNodes(): Promise<number> {
    const states = await Promise.all(this.nodes.map((n) => this.isReady(n)));
    return states.filter(Boolean).length;
  }

  async isReady(n: TopologyNode): Promise<boolean> {
    if (!n.proc || n.paused) return false;
    try {
      const r = await fetch(`${n.base}/readyz`, { signal: AbortSignal.timeout(1000) });
      await r.arrayBuffer();
      return r.status === 200;
    } catch {
      return false;
    }
  }

  /** The partition decisions a node has taken so far (`band/side/action`), from its /metrics. */
  async partitionDecisions(id: string): Promise<string[]> {
    const text = await (await fetch(`${this.node(id).base}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const seen: string[] = [];
    for (const m of text.matchAll(/continuum_partition_decisions_total\{band="(\w+)",side="(\w+)",action="([\w-]+)"[^}]*\} (\d+)/g)) {
      if (Number(m[4]) > 0) seen.push(`${m[1]}/${m[2]}/${m[3]}`);
    }
    return seen;
  }

  /** Nodes that exited without the drill stopping them. */
  unexpectedExits(): { id: string; description: string; stderr: string }[] {
    return this.nodes.filter((n) => !n.down && n.proc?.exited()).map((n) => ({ id: n.id, description: n.proc!.exitDescription(), stderr: n.proc!.stderrTail() }));
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    process.removeListener('exit', this.exitHook);
    await this.balancer?.stop().catch(() => undefined);
    await Promise.all(this.nodes.map((n) => n.kill('SIGKILL').catch(() => undefined)));
    await Promise.all(this.nodes.flatMap((n) => [n.clientProxy.stop(), n.storeProxy?.stop()]));
    await this.db.stop().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Last resort on exit: no node process may outlive the drill. */
  private killAllNow(): void {
    for (const n of this.nodes) {
      try {
        n.proc?.child.kill('SIGCONT');
        n.proc?.child.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    this.balancer?.killNow();
    this.db.killNow();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
