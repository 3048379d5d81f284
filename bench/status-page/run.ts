/**
 * Status page under load (status page issue): requests per second and latency of the page (`/`) and of
 * `/api/v2/summary.json`, cached, on loopback, against one `continuum up` process on SQLite with a page
 * that has components, an open incident with updates, 30 days of history and a maintenance window.
 * Anchors: the goal (5,000 req/s on two cores) and the same node's `/healthz` (the cheapest answer it
 * has), measured in the same rounds.
 *
 *   npm run build && npm run bench -- status-page [--seconds 10] [--rounds 3] [--connections 50] [--gzip]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { AuditLog } from '../../src/access/audit-log.js';
import { TokenService } from '../../src/access/tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { machine, median, writeResult } from '../lib/report.mjs';

interface LoadResult {
  '2xx': number;
  non2xx: number;
  errors: number;
  duration: number;
  latency: { p50: number; p99: number };
}
/** autocannon (a devDependency) has no type declarations. */
const autocannon = createRequire(import.meta.url)('autocannon') as (opts: object, done: (err: Error | null, r: LoadResult) => void) => unknown;

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SECONDS = Number(arg('seconds', '10'));
const ROUNDS = Number(arg('rounds', '3'));
const CONNECTIONS = Number(arg('connections', '50'));
const GOAL = 5000;
const log = (s: string) => process.stderr.write(`[status-page] ${s}\n`);

const CONFIG = `
statusPage:
  name: Acme MCP
  groups: [{ id: platform, name: MCP platform }]
  components:
    - { id: gateway, name: MCP gateway, group: platform }
    - { id: sessions, name: Session store, group: platform }
    - { id: api, name: Admin API }
    - { id: docs, name: Documentation }
incidents:
  detection: { enabled: false }
`;

async function startNode(dir: string): Promise<{ proc: ChildProcess; base: string }> {
  const proc = spawn(process.execPath, [join(ROOT, 'bin', 'continuum.js'), 'up', '--port', '0', '--store', `sqlite:${join(dir, 'c.db')}`, '--config', join(dir, 'continuum.yaml')], {
    cwd: dir,
    env: { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONTINUUM_'))), CONTINUUM_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => reject(new Error(`continuum did not start:\n${out}`)), 30_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /serving MCP at (http:\/\/127\.0\.0\.1:\d+)\/mcp/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolveStart({ proc, base: m[1] });
      }
    };
    proc.stdout!.on('data', onData);
    proc.stderr!.on('data', onData);
    proc.once('exit', (code) => reject(new Error(`continuum exited ${code}:\n${out}`)));
  });
}

async function seed(base: string, token: string): Promise<void> {
  const call = async (path: string, body: unknown) => {
    const r = await fetch(`${base}/api${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`${path}: ${r.status} ${await r.text()}`);
    return (await r.json()) as { incident?: { id: string } };
  };
  for (let i = 0; i < 20; i++) {
    const { incident } = await call('/v1/incidents', { title: `Past incident ${i}`, severity: i % 2 ? 'P2' : 'P1', components: [i % 3 ? 'gateway' : 'api'], startedAt: new Date(Date.now() - (i + 1) * 86_400_000).toISOString() });
    await call(`/v1/incidents/${incident!.id}/resolve`, { message: 'Fixed.' });
  }
  const { incident } = await call('/v1/incidents', { title: 'Elevated latency on the gateway', severity: 'P2', components: ['gateway'], impact: 'Some requests are slow' });
  await call(`/v1/incidents/${incident!.id}/updates`, { status: 'identified', message: 'A slow disk on one node; traffic is moving away from it.', external: true });
  await call('/v1/maintenance', { title: 'Database upgrade', components: ['sessions'], scheduledFor: new Date(Date.now() + 72 * 3_600_000).toISOString(), scheduledUntil: new Date(Date.now() + 74 * 3_600_000).toISOString() });
}

function load(url: string, duration: number, headers: Record<string, string>): Promise<LoadResult> {
  return new Promise((res, rej) => {
    autocannon({ url, headers, connections: CONNECTIONS, pipelining: 1, duration, timeout: 10 }, (err, r) => (err ? rej(err) : res(r)));
  });
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-status-bench-'));
  writeFileSync(join(dir, 'continuum.yaml'), CONFIG);
  const store = new SqliteStore(join(dir, 'c.db'), { clock: systemClock });
  await store.migrate();
  const tokens = new TokenService(store.tokens, new AuditLog(store.audit, systemClock), systemClock, cryptoRandom);
  const { secret } = await tokens.create('bench', 'responder', { id: 'cli:bench', role: 'admin' });
  await store.close();
  const node = await startNode(dir);
  try {
    await seed(node.base, secret);
    await new Promise((r) => setTimeout(r, 1500)); // one refresh of the page
    const page = await (await fetch(`${node.base}/`)).text();
    if (!page.includes('Elevated latency on the gateway')) throw new Error('the seeded incident is not on the page');
    // Plain clients get the identity body (measured here); browsers, which send Accept-Encoding, get a
    // cached gzip copy. `--gzip` measures that one instead (autocannon reports it slower at the same
    // server CPU per request, a load-generator effect: see docs/benchmarks.md).
    const enc: Record<string, string> = process.argv.includes('--gzip') ? { 'accept-encoding': 'gzip' } : {};
    const targets: Record<string, { path: string; headers: Record<string, string> }> = {
      page: { path: '/', headers: enc },
      'summary.json': { path: '/api/v2/summary.json', headers: enc },
      healthz: { path: '/healthz', headers: {} },
    };
    const sizes: Record<string, number> = {};
    for (const [k, t] of Object.entries(targets)) {
      const r = await fetch(node.base + t.path, { headers: { 'accept-encoding': t.headers['accept-encoding'] ?? 'identity' } });
      sizes[k] = Number(r.headers.get('content-length'));
      await r.arrayBuffer();
    }
    const runs: Record<string, { reqPerSec: number; p50: number; p99: number; non2xx: number; errors: number }[]> = Object.fromEntries(Object.keys(targets).map((k) => [k, []]));
    for (let round = 1; round <= ROUNDS; round++) {
      for (const [name, t] of Object.entries(targets)) {
        await load(node.base + t.path, 2, t.headers); // warm-up
        const r = await load(node.base + t.path, SECONDS, t.headers);
        const entry = { reqPerSec: Math.round(r['2xx'] / r.duration), p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors };
        runs[name].push(entry);
        log(`round ${round} ${name}: ${entry.reqPerSec} req/s, p50 ${entry.p50} ms, p99 ${entry.p99} ms${entry.non2xx || entry.errors ? `, ${entry.non2xx} non-2xx, ${entry.errors} errors` : ''}`);
      }
    }
    const summary = Object.fromEntries(
      Object.entries(runs).map(([name, rs]) => [name, { reqPerSec: median(rs.map((x) => x.reqPerSec)), p50Ms: median(rs.map((x) => x.p50)), p99Ms: median(rs.map((x) => x.p99)), bytes: sizes[name] }]),
    );
    const out = {
      setup: { connections: CONNECTIONS, seconds: SECONDS, rounds: ROUNDS, store: 'sqlite', node: 'one continuum up process', goalReqPerSec: GOAL, acceptEncoding: enc['accept-encoding'] ?? 'identity' },
      summary,
      ratios: {
        pageToGoal: summary.page.reqPerSec / GOAL,
        summaryToGoal: summary['summary.json'].reqPerSec / GOAL,
        pageToHealthz: summary.page.reqPerSec / summary.healthz.reqPerSec,
        summaryToHealthz: summary['summary.json'].reqPerSec / summary.healthz.reqPerSec,
      },
      runs,
    };
    const file = writeResult('status-page', out);
    process.stdout.write(`${JSON.stringify({ machine: machine(), ...out, runs: undefined }, null, 2)}\n`);
    log(`written to ${file}`);
  } finally {
    node.proc.kill('SIGTERM');
    await new Promise((r) => node.proc.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
