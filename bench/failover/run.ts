/**
 * Failover benchmark (cluster issue): 3 nodes sharing a store behind a real HAProxy, N live sessions
 * under steady tools/call load, K kill -9s of a node (restarted after each). For every call that a kill
 * disturbed (it failed, or it took longer than normal), the client-visible gap is the time from the kill
 * (or the call's start, if later) until that session next got a successful answer, retrying at once on
 * failure as a client would. Prints p50/p99/max of the gaps and the sessions lost (a session is lost if
 * any of its calls ever answers 404 or its final ping is not 200).
 *
 *   npm run build && node --import tsx bench/failover/run.ts [--sessions 1000] [--kills 20] [--workers 50] [--store sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as ufetch } from 'undici';
import { startCluster, stopCluster } from '../../test/support/cluster.js';
import { startHaproxy } from '../../test/support/haproxy.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { machine, median, writeResult } from '../lib/report.mjs';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SESSIONS = Number(arg('sessions', '1000'));
const KILLS = Number(arg('kills', '20'));
const WORKERS = Number(arg('workers', '50'));
const STORE = arg('store', 'sqlite');
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const agent = new Agent({ connections: WORKERS * 2, keepAliveTimeout: 30_000 });

const log = (s: string) => process.stderr.write(`[failover] ${s}\n`);
const pct = (v: number[], p: number) => {
  const s = [...v].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)] : 0;
};

async function call(url: string, session: string, body: unknown): Promise<number> {
  try {
    const r = await ufetch(url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': session }, body: JSON.stringify(body), dispatcher: agent, signal: AbortSignal.timeout(10_000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

async function main(): Promise<void> {
  let storeUrl: string;
  let cleanup: () => Promise<void>;
  if (STORE === 'postgres') {
    const db = await createTestDatabase();
    storeUrl = db.url;
    cleanup = () => db.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-failover-'));
    storeUrl = `sqlite:${join(dir, 'c.db')}`;
    cleanup = async () => rmSync(dir, { recursive: true, force: true });
  }
  log(`store ${STORE}; starting 3 nodes and HAProxy`);
  const nodes = await startCluster(3, storeUrl);
  const lb = await startHaproxy(nodes.map((n) => ({ id: n.id, port: n.port })));
  const stop = async () => {
    await lb.stop().catch(() => undefined);
    await stopCluster(nodes);
    await cleanup();
  };
  process.once('SIGINT', () => void stop().then(() => process.exit(130)));
  try {
    log(`creating ${SESSIONS} sessions`);
    const sessions: string[] = [];
    for (let i = 0; i < SESSIONS; i += 50) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(50, SESSIONS - i) }, async () => {
          const r = await ufetch(lb.url, { method: 'POST', headers: HEADERS, dispatcher: agent, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
          await r.arrayBuffer();
          return r.headers.get('mcp-session-id')!;
        }),
      );
      sessions.push(...batch);
    }
    const lost = new Set<string>();
    const gaps: number[] = [];
    const kills: number[] = [];
    /** While true, disturbed calls are attributed to the last kill; false while a node rejoins. */
    let attributing = false;
    const rejoinGaps: number[] = [];
    let calls = 0;
    let failures = 0;
    let running = true;
    let next = 0;
    const normal: number[] = [];
    const workers = Array.from({ length: WORKERS }, async () => {
      while (running) {
        const s = sessions[next++ % sessions.length];
        const start = performance.now();
        let status = await call(lb.url, s, { jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } });
        calls++;
        if (status === 404) lost.add(s);
        let end = performance.now();
        const lastKill = kills[kills.length - 1] ?? -Infinity;
        const slow = end - start > 3 * (median(normal) || 20);
        const disturbed = status !== 200 || (kills.length > 0 && end >= lastKill && slow);
        if (status !== 200) {
          failures++;
          while (status !== 200 && running) {
            status = await call(lb.url, s, { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'echo', arguments: { text: 'retry' } } });
            if (status === 404) lost.add(s);
          }
          end = performance.now();
        }
        if (disturbed && attributing) gaps.push(end - Math.max(start, lastKill));
        else if (disturbed) rejoinGaps.push(end - start);
        else if (normal.length < 10_000) normal.push(end - start);
      }
    });
    const waitCalls = async (n: number) => {
      const target = calls + n;
      while (calls < target) await new Promise((r) => setTimeout(r, 20));
    };
    await waitCalls(2000);
    for (let k = 0; k < KILLS; k++) {
      const victim = nodes[k % nodes.length];
      attributing = true;
      kills.push(performance.now());
      await victim.kill('SIGKILL');
      await waitCalls(1500);
      // The node comes back only after the failover has been measured: a process starting on this
      // 2-core machine slows everything, which is the cost of rejoining, reported apart.
      attributing = false;
      await victim.start();
      await waitCalls(1500);
      log(`kill ${k + 1}/${KILLS} (${victim.id}): ${gaps.length} disturbed calls so far, max gap ${Math.round(Math.max(0, ...gaps))} ms`);
    }
    running = false;
    await Promise.all(workers);
    for (const s of sessions) {
      const status = await call(lb.url, s, { jsonrpc: '2.0', id: 3, method: 'ping' });
      if (status !== 200) lost.add(s);
    }
    const result = {
      store: STORE,
      sessions: SESSIONS,
      kills: KILLS,
      workers: WORKERS,
      calls,
      failedCalls: failures,
      errorRate: failures / calls,
      normalLatencyMsP50: Math.round(median(normal) * 10) / 10,
      disturbedCalls: gaps.length,
      gapMs: { p50: Math.round(pct(gaps, 50)), p99: Math.round(pct(gaps, 99)), max: Math.round(Math.max(0, ...gaps)) },
      rejoinSlowCalls: rejoinGaps.length,
      rejoinLatencyMs: { p50: Math.round(pct(rejoinGaps, 50)), p99: Math.round(pct(rejoinGaps, 99)), max: Math.round(Math.max(0, ...rejoinGaps)) },
      sessionsLost: lost.size,
    };
    const file = writeResult(`failover-${STORE}`, { benchmark: 'failover', date: new Date().toISOString(), machine: machine(), result });
    process.stdout.write(
      `failover (${STORE}, ${SESSIONS} sessions, ${KILLS} kills, ${WORKERS} workers): client-visible gap p50 ${result.gapMs.p50} ms, p99 ${result.gapMs.p99} ms, max ${result.gapMs.max} ms; ` +
        `sessions lost ${result.sessionsLost}; failed calls ${failures}/${calls} (${(result.errorRate * 100).toFixed(3)} %)\n` +
        `goal: p99 <= 1000 ms -> ${result.gapMs.p99 <= 1000 ? 'met' : 'NOT met'}; 0 lost -> ${result.sessionsLost === 0 ? 'met' : 'NOT met'}; ratio p99/goal ${(result.gapMs.p99 / 1000).toFixed(2)}\n` +
        `result: ${file}\n`,
    );
  } finally {
    await stop();
  }
}

void main();
