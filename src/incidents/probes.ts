/**
 * Built-in probes. Each run returns observations (ok or failing, keyed); the ProbeRunner turns changes
 * into signals: a key starting to fail, still failing after reassertEvery, or recovering.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import type { Detector } from './detector.js';
import type { Signal } from './signal.js';
import { repeat } from '../core/repeat.js';
import { withTimeout } from '../core/timeout.js';

export interface Observation {
  key: string;
  kind: string;
  ok: boolean;
  summary: string;
  components: string[];
  labels?: Record<string, string>;
}

export interface Probe {
  readonly name: string;
  /** Whether the probe runs on this tick (slow probes run less often). */
  due?(now: number): boolean;
  run(): Promise<Observation[]>;
}

/** The store answers a trivial query in time. */
export class StoreProbe implements Probe {
  readonly name = 'store';
  constructor(
    private readonly store: Store,
    private readonly timeoutMs: number,
  ) {}

  async run(): Promise<Observation[]> {
    try {
      await withTimeout(this.store.ping(), this.timeoutMs, 'the store did not answer');
      return [{ key: 'store', kind: 'store-unreachable', ok: true, summary: `${this.store.description} answers`, components: ['store'] }];
    } catch (err) {
      return [{ key: 'store', kind: 'store-unreachable', ok: false, summary: `${this.store.description}: ${(err as Error).message}`, components: ['store'] }];
    }
  }
}

export interface NodeTarget {
  id: string;
  region: string;
  url: string;
}

/**
 * /healthz of every configured node. Reports the widest failure only: every node down (P0 by default)
 * hides the regions and nodes in it, a region down (P1) hides its nodes, one node down is a component.
 */
export class NodeHealthProbe implements Probe {
  readonly name = 'node-health';
  constructor(
    /** A fixed list, or a source read every run (ClusterTargets: configured nodes plus the members). */
    private readonly targets: readonly NodeTarget[] | (() => Promise<NodeTarget[]>),
    private readonly timeoutMs: number,
  ) {}

  async run(): Promise<Observation[]> {
    const nodes = typeof this.targets === 'function' ? await this.targets() : this.targets;
    if (nodes.length === 0) return [];
    const up = await Promise.all(nodes.map((n) => this.healthy(n)));
    const down = nodes.filter((_, i) => !up[i]);
    const regions = [...new Set(nodes.map((n) => n.region))];
    const all = down.length === nodes.length;
    const out: Observation[] = [
      { key: 'nodes:all', kind: 'all-nodes-down', ok: !all, summary: all ? `all ${nodes.length} nodes are down` : 'at least one node answers', components: ['nodes'] },
    ];
    for (const region of regions) {
      const members = nodes.filter((n) => n.region === region);
      const regionDown = members.every((n) => down.includes(n));
      if (all && regionDown) continue;
      out.push({ key: `region:${region}`, kind: 'region-down', ok: !regionDown, summary: `region ${region}: ${members.length} node(s) down`, components: [`region:${region}`], labels: { region } });
      for (const n of members) {
        if (regionDown) continue;
        out.push({ key: `node:${n.id}`, kind: 'component-down', ok: !down.includes(n), summary: `node ${n.id} (${region}) does not answer /healthz`, components: [`node:${n.id}`], labels: { region, node: n.id } });
      }
    }
    return out;
  }

  private async healthy(n: NodeTarget): Promise<boolean> {
    try {
      const res = await fetch(new URL('/healthz', n.url), { signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
}

/** A real MCP transaction against this node's own endpoint with the official SDK client: initialize,
 * call continuity_status, end the session. */
export class SyntheticMcpProbe implements Probe {
  readonly name = 'synthetic-mcp';
  /** The first transaction runs one period after start, once the node is surely serving. */
  private lastRun: number;
  constructor(
    private readonly url: () => string,
    private readonly timeoutMs: number,
    private readonly everyMs: number,
    private readonly clock: Clock,
    private readonly bearer?: string,
  ) {
    this.lastRun = clock.now();
  }

  due(now: number): boolean {
    return now - this.lastRun >= this.everyMs;
  }

  async run(): Promise<Observation[]> {
    this.lastRun = this.clock.now();
    const obs = (ok: boolean, summary: string): Observation[] => [{ key: 'synthetic-mcp', kind: 'synthetic-failed', ok, summary, components: ['mcp'] }];
    const client = new Client({ name: 'continuum-synthetic-probe', version: VERSION });
    const transport = new StreamableHTTPClientTransport(new URL(this.url()), {
      requestInit: this.bearer ? { headers: { authorization: `Bearer ${this.bearer}` } } : undefined,
      reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 1000, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1 },
    });
    try {
      await withTimeout(
        (async () => {
          await client.connect(transport);
          const result = await client.callTool({ name: 'continuity_status', arguments: {} });
          if (result.isError) throw new Error('continuity_status returned an error');
        })(),
        this.timeoutMs,
        'the MCP endpoint did not answer',
      );
      return obs(true, 'MCP transaction completed');
    } catch (err) {
      return obs(false, `MCP transaction failed: ${(err as Error).message}`);
    } finally {
      await transport.terminateSession().catch(() => undefined);
      await client.close().catch(() => undefined);
    }
  }
}

/** Share of 5xx answers among requests since the last run, from the node's own request counter. */
export class ErrorRateProbe implements Probe {
  readonly name = 'error-rate';
  private last: { total: number; errors: number } | null = null;
  constructor(
    private readonly registry: Registry,
    private readonly threshold: number,
    private readonly minRequests: number,
  ) {}

  async run(): Promise<Observation[]> {
    const metric = await this.registry.getSingleMetric('continuum_http_requests_total')?.get();
    let total = 0;
    let errors = 0;
    for (const v of metric?.values ?? []) {
      total += v.value;
      if (Number(v.labels.status) >= 500) errors += v.value;
    }
    const prev = this.last ?? { total: 0, errors: 0 };
    this.last = { total, errors };
    const n = total - prev.total;
    const e = errors - prev.errors;
    if (n < this.minRequests) return [];
    const rate = e / n;
    const burning = rate > this.threshold;
    return [{ key: 'error-rate', kind: 'slo-burn', ok: !burning, summary: `${(rate * 100).toFixed(1)}% of ${n} requests failed (objective: at most ${(this.threshold * 100).toFixed(1)}%)`, components: ['http'], labels: { objective: 'error-rate' } }];
  }
}

interface KeyState {
  failing: boolean;
  lastSignalAt: number;
}

/** Runs the probes and turns observations into detector signals. */
export class ProbeRunner {
  private readonly state = new Map<string, KeyState>();
  private loop: { stop(): void } | null = null;
  private running: Promise<Signal[]> | null = null;

  constructor(
    private readonly probes: readonly Probe[],
    private readonly detector: Detector,
    private readonly clock: Clock,
    private readonly opts: { reassertEveryMs: number; log: Logger },
  ) {}

  /** One round: every due probe and the resulting signals (journaled and paged before this resolves),
   * then a reconcile of the journal in the background. */
  runOnce(): Promise<Signal[]> {
    this.running ??= this.round().finally(() => (this.running = null));
    return this.running;
  }

  start(intervalMs: number): void {
    this.loop = repeat(intervalMs, () => this.runOnce(), (err) => this.opts.log.warn({ err }, 'probe round failed'));
  }

  stop(): void {
    this.loop?.stop();
    this.loop = null;
  }

  private async round(): Promise<Signal[]> {
    const now = this.clock.now();
    const due = this.probes.filter((p) => !p.due || p.due(now));
    const results = await Promise.all(due.map((p) => p.run().catch((err: Error) => {
      this.opts.log.warn({ err, probe: p.name }, 'probe threw');
      return [] as Observation[];
    })));
    const signals: Signal[] = [];
    for (const [i, observations] of results.entries()) {
      for (const o of observations) {
        const s = this.toSignal(due[i].name, o, now);
        if (s) signals.push(s);
      }
    }
    for (const s of signals) await this.detector.signal(s);
    // Queued behind the signals' own store writes; not awaited, so a store that hangs does not hold up
    // the next round's detection and paging.
    if (this.detector.pendingCount > 0) {
      this.detector.reconcile().catch((err: Error) => this.opts.log.warn({ err }, 'journal reconcile failed'));
    }
    return signals;
  }

  private toSignal(probe: string, o: Observation, now: number): Signal | null {
    const before = this.state.get(o.key);
    const base = { kind: o.kind, key: `probe:${o.key}`, source: `probe:${probe}`, summary: o.summary, labels: o.labels ?? {}, components: o.components, at: now };
    if (!o.ok) {
      if (before?.failing && now - before.lastSignalAt < this.opts.reassertEveryMs) return null;
      this.state.set(o.key, { failing: true, lastSignalAt: now });
      return base;
    }
    if (!before?.failing) return null;
    this.state.set(o.key, { failing: false, lastSignalAt: now });
    return { ...base, resolved: true };
  }
}
