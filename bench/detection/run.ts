/**
 * Detection latency (incident-response issue): from a fault injected into a real topology to (a) the
 * incident declared (first visible in the store) and (b) the first page received by a loopback webhook
 * receiver. Two faults, each over --runs runs:
 *   region: four `continuum up` nodes in two regions on one SQLite store; kill -9 both nodes of one
 *           region. The surviving region's nodes detect it (cluster members are watched by default).
 *   db-primary: two nodes on a private PostgreSQL; kill -9 the postmaster. The nodes page from their
 *           local journals while the store is down; the incident reaches the store once it is back
 *           (reported separately: that time is the database's restart, not detection).
 * The anchor is the detection period: faults land at a random point of a 1 s probe round, so the
 * floor of p50 is about half a round plus the probe's own latency.
 *
 *   npm run build && node --import tsx bench/detection/run.ts [--runs 10] [--scenario region|db-primary|all]
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../src/access/audit-log.js';
import { TokenService } from '../../src/access/tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/port.js';
import { freePort } from '../../test/support/ports.js';
import { FAST_CLUSTER_ENV } from '../../test/support/cluster.js';
import { startNode, type NodeProcess } from '../../test/support/node-process.js';
import { startPrivateCluster } from '../../test/support/postgres.js';
import { startReceiver, type Receiver } from '../../test/support/receiver.js';
import { machine, writeResult } from '../lib/report.mjs';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const RUNS = Number(arg('runs', '10'));
const SCENARIO = arg('scenario', 'all');
const log = (s: string) => process.stderr.write(`[detection] ${s}\n`);
const pct = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : NaN;
};
const until = async (what: string, test: () => Promise<boolean> | boolean, timeoutMs = 60_000, everyMs = 20) => {
  const end = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
};

interface BenchNode {
  id: string;
  region: string;
  port: number;
  proc: NodeProcess | null;
  start(): Promise<void>;
  kill(): Promise<void>;
}

function node(id: string, region: string, port: number, store: string, configFile: string): BenchNode {
  const n: BenchNode = {
    id,
    region,
    port,
    proc: null,
    async start() {
      n.proc = await startNode(['--port', String(port), '--node-id', id, '--region', region, '--store', store, '--config', configFile], FAST_CLUSTER_ENV);
    },
    async kill() {
      await n.proc?.kill('SIGKILL');
      n.proc = null;
    },
  };
  return n;
}

function writeConfig(dir: string, receiver: Receiver): string {
  const file = join(dir, 'continuum.yaml');
  writeFileSync(
    file,
    [
      'incidents:',
      '  paging:',
      '    receivers:',
      `      - { type: webhook, name: bench, url: "${receiver.webhook}" }`,
      '  detection:',
      '    synthetic: { enabled: false }',
      '',
    ].join('\n'),
  );
  return file;
}

/** Open incidents (id, dedup keys of joined signals) as the store has them. */
async function openIncidents(store: Store): Promise<{ id: string; keys: string[]; resolved: boolean; recovered: boolean }[]> {
  const byId = new Map<string, { id: string; keys: string[]; resolved: boolean; recovered: boolean }>();
  for (const e of await store.controlEvents.readAfter(0, 100_000)) {
    if (!e.streamId.startsWith('incident:')) continue;
    const id = e.streamId.slice('incident:'.length);
    const cur = byId.get(id) ?? { id, keys: [], resolved: false, recovered: false };
    const sig = (e.data as { signal?: { key?: string } }).signal;
    if (e.type === 'incident.declared' && sig?.key) cur.keys.push(sig.key);
    if (e.type === 'incident.resolved') cur.resolved = true;
    if (e.type === 'incident.signal_recovered') cur.recovered = true;
    byId.set(id, cur);
  }
  return [...byId.values()];
}

async function adminToken(store: Store): Promise<string> {
  const tokens = new TokenService(store.tokens, new AuditLog(store.audit, systemClock), systemClock, cryptoRandom);
  return (await tokens.create(`bench-${Date.now()}`, 'admin', { id: 'cli:bench', role: 'admin' })).secret;
}

async function resolveVia(apiBase: string, token: string, id: string): Promise<void> {
  const r = await fetch(`${apiBase}/api/v1/incidents/${id}/resolve`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ message: 'bench run over' }),
  });
  if (!r.ok) throw new Error(`resolve ${id}: HTTP ${r.status} ${await r.text()}`);
}

interface Run {
  declaredMs: number;
  pageMs: number;
  storedAfterRestartMs?: number;
}

/** Waits for the first page with this dedup key received after `since`; its arrival time. */
function pageArrival(receiver: Receiver, key: string, since: number): Promise<number> {
  const seen = receiver.received.length;
  const arrived = receiver.until((pages) => pages.slice(seen).some((p) => String(p.body.dedupKey ?? '') === key)).then(() => Date.now() - since);
  const timeout = new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`no page ${key} within 60 s; received: ${JSON.stringify(receiver.received.slice(seen).map((p) => p.body.dedupKey))}`)), 60_000).unref());
  return Promise.race([arrived, timeout]);
}

async function regionScenario(): Promise<Run[]> {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-bench-detect-'));
  const receiver = await startReceiver();
  const storeUrl = `sqlite:${join(dir, 'store.db')}`;
  const config = writeConfig(dir, receiver);
  const nodes = [node('e1', 'east', await freePort(), storeUrl, config), node('e2', 'east', await freePort(), storeUrl, config), node('w1', 'west', await freePort(), storeUrl, config), node('w2', 'west', await freePort(), storeUrl, config)];
  const store = await openStore(storeUrl);
  const runs: Run[] = [];
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await until('four registered nodes', async () => (await store.nodes.list()).length === 4);
    const token = await adminToken(store);
    const api = `http://127.0.0.1:${nodes[2].port}`;
    // Let every node complete a probe round with all four members up.
    await new Promise((r) => setTimeout(r, 2500));
    for (let i = 1; i <= RUNS; i++) {
      const before = new Set((await openIncidents(store)).map((x) => x.id));
      const t0 = Date.now();
      const page = pageArrival(receiver, 'continuum:probe:region:east', t0);
      await Promise.all(nodes.slice(0, 2).map((n) => n.kill()));
      let declaredMs = NaN;
      let incident = '';
      await until('the incident in the store', async () => {
        const fresh = (await openIncidents(store)).find((x) => !before.has(x.id) && x.keys.includes('probe:region:east'));
        if (fresh) [declaredMs, incident] = [Date.now() - t0, fresh.id];
        return Boolean(fresh);
      });
      const pageMs = await page;
      runs.push({ declaredMs, pageMs });
      log(`run ${i}/${RUNS}: declared ${declaredMs} ms, paged ${pageMs} ms`);
      await Promise.all(nodes.slice(0, 2).map((n) => n.start()));
      await until('the region seen back', async () => (await openIncidents(store)).find((x) => x.id === incident)?.recovered === true);
      await resolveVia(api, token, incident);
      // The second watcher's probe sees the recovery within a round.
      await new Promise((r) => setTimeout(r, 2500));
    }
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
    await store.close();
    await receiver.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

async function dbPrimaryScenario(): Promise<Run[]> {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-bench-detect-'));
  const receiver = await startReceiver();
  const pg = await startPrivateCluster();
  const config = writeConfig(dir, receiver);
  const nodes = [node('p1', 'main', await freePort(), pg.url, config), node('p2', 'main', await freePort(), pg.url, config)];
  const pidFile = join(pg.dataDir, 'postmaster.pid');
  const logFile = join(pg.dataDir, '..', 'server.log');
  const runs: Run[] = [];
  let store: Store | null = null;
  try {
    await Promise.all(nodes.map((n) => n.start()));
    store = await openStore(pg.url);
    await until('two registered nodes', async () => (await store!.nodes.list()).length === 2);
    const token = await adminToken(store);
    const api = `http://127.0.0.1:${nodes[0].port}`;
    await new Promise((r) => setTimeout(r, 2500));
    for (let i = 1; i <= RUNS; i++) {
      const before = new Set((await openIncidents(store)).map((x) => x.id));
      const t0 = Date.now();
      const page = pageArrival(receiver, 'continuum:probe:store', t0);
      process.kill(Number(readFileSync(pidFile, 'utf8').split('\n')[0]), 'SIGKILL');
      const pageMs = await page;
      const restartAt = Date.now();
      await pg.runAsOwner('pg_ctl', ['-D', pg.dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
      let incident = '';
      let storedAfterRestartMs = NaN;
      await until('the journaled incident in the store', async () => {
        const fresh = (await openIncidents(store!).catch(() => [])).find((x) => !before.has(x.id) && x.keys.includes('probe:store'));
        if (fresh) [incident, storedAfterRestartMs] = [fresh.id, Date.now() - restartAt];
        return Boolean(fresh);
      }).catch(async (err: Error) => {
        log(`incidents: ${JSON.stringify(await openIncidents(store!).catch((e: Error) => e.message))}`);
        for (const n of nodes) log(`${n.id} stderr:\n${n.proc?.stderr().slice(-3000)}`);
        throw err;
      });
      runs.push({ declaredMs: pageMs, pageMs, storedAfterRestartMs });
      log(`run ${i}/${RUNS}: paged ${pageMs} ms (declared in the journal just before); in the store ${storedAfterRestartMs} ms after the restart`);
      await until('the store seen back', async () => (await openIncidents(store!)).find((x) => x.id === incident)?.recovered === true);
      await resolveVia(api, token, incident);
      await new Promise((r) => setTimeout(r, 2500));
    }
  } finally {
    await Promise.all(nodes.map((n) => n.kill()));
    await store?.close();
    await receiver.close();
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}

function summarize(name: string, runs: Run[]) {
  const d = runs.map((r) => r.declaredMs);
  const p = runs.map((r) => r.pageMs);
  const line = { scenario: name, runs: runs.length, declared: { p50: pct(d, 50), p99: pct(d, 99), max: Math.max(...d) }, page: { p50: pct(p, 50), p99: pct(p, 99), max: Math.max(...p) } };
  console.log(`${name}: declared p50 ${line.declared.p50} ms, p99 ${line.declared.p99} ms; first page p50 ${line.page.p50} ms, p99 ${line.page.p99} ms (goal p99 <= 5000 ms: ${line.page.p99 <= 5000 && line.declared.p99 <= 5000 ? 'met' : 'NOT met'})`);
  return line;
}

const results: unknown[] = [];
if (SCENARIO === 'all' || SCENARIO === 'region') results.push(summarize('kill every node of a region', await regionScenario()));
if (SCENARIO === 'all' || SCENARIO === 'db-primary') results.push(summarize('kill the database primary', await dbPrimaryScenario()));
console.log('anchor: probe period 1000 ms (a fault lands at a uniform point of a round), probe timeout 2000 ms');
writeResult('detection', { machine: machine(), runs: RUNS, results });
process.exit(0);
