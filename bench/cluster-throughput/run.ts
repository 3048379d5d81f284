/**
 * Cluster throughput (cluster issue): tools/call echo through a real HAProxy to 1 node and to 3 nodes
 * sharing one store, same load, same run, alternating. On a 2-core machine that also runs the load
 * generator and HAProxy, 3 nodes cannot add CPU: what this shows is the cost of spreading sessions over
 * nodes with no stickiness (every node rebuilds and serves every session), not scaling.
 *
 *   npm run build && node --import tsx bench/cluster-throughput/run.ts [--sessions 100] [--workers 50] [--seconds 10] [--rounds 3] [--store sqlite|postgres]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, fetch as ufetch } from 'undici';
import { startCluster, stopCluster, type ClusterNode } from '../../test/support/cluster.js';
import { startHaproxy, type Haproxy } from '../../test/support/haproxy.js';
import { createTestDatabase } from '../../test/support/postgres.js';
import { machine, median, writeResult } from '../lib/report.mjs';

const arg = (name: string, dflt: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : dflt;
};
const SESSIONS = Number(arg('sessions', '100'));
const WORKERS = Number(arg('workers', '50'));
const SECONDS = Number(arg('seconds', '10'));
const ROUNDS = Number(arg('rounds', '3'));
const STORE = arg('store', 'sqlite');
const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const agent = new Agent({ connections: WORKERS * 2, keepAliveTimeout: 30_000 });
const log = (s: string) => process.stderr.write(`[cluster-throughput] ${s}\n`);

interface Setup {
  name: string;
  nodes: ClusterNode[];
  lb: Haproxy;
  sessions: string[];
  cleanup(): Promise<void>;
}

async function setup(n: number): Promise<Setup> {
  let url: string;
  let drop: () => Promise<void>;
  if (STORE === 'postgres') {
    const db = await createTestDatabase();
    url = db.url;
    drop = () => db.drop();
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-ctp-'));
    url = `sqlite:${join(dir, 'c.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  }
  const nodes = await startCluster(n, url, { env: { CONTINUUM_CLUSTER_HEARTBEAT: '500ms', CONTINUUM_CLUSTER_FAIL_AFTER: '3s', CONTINUUM_CLUSTER_LEASE_TTL: '6s' } });
  const lb = await startHaproxy(nodes.map((x) => ({ id: x.id, port: x.port })));
  const sessions: string[] = [];
  for (let i = 0; i < SESSIONS; i++) {
    const r = await ufetch(lb.url, { method: 'POST', headers: HEADERS, dispatcher: agent, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'bench', version: '1' } } }) });
    await r.arrayBuffer();
    sessions.push(r.headers.get('mcp-session-id')!);
  }
  return {
    name: `${n} node${n > 1 ? 's' : ''}`,
    nodes,
    lb,
    sessions,
    cleanup: async () => {
      await lb.stop();
      await stopCluster(nodes);
      await drop();
    },
  };
}

async function load(s: Setup, seconds: number): Promise<{ reqPerSec: number; errors: number; p50: number; p99: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (performance.now() < until) {
        const sid = s.sessions[next++ % s.sessions.length];
        const t = performance.now();
        const r = await ufetch(s.lb.url, { method: 'POST', headers: { ...HEADERS, 'mcp-session-id': sid }, dispatcher: agent, body: JSON.stringify({ jsonrpc: '2.0', id: next, method: 'tools/call', params: { name: 'echo', arguments: { text: 'x' } } }) }).then(
          async (res) => {
            await res.arrayBuffer();
            return res.status;
          },
          () => 0,
        );
        if (r === 200) latencies.push(performance.now() - t);
        else errors++;
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  return { reqPerSec: Math.round(latencies.length / seconds), errors, p50: Math.round(latencies[Math.floor(latencies.length / 2)] ?? 0), p99: Math.round(latencies[Math.floor(latencies.length * 0.99)] ?? 0) };
}

async function main(): Promise<void> {
  log(`store ${STORE}, ${SESSIONS} sessions, ${WORKERS} workers, ${SECONDS} s x ${ROUNDS} rounds, alternating`);
  const setups = [await setup(1), await setup(3)];
  const runs: Record<string, Awaited<ReturnType<typeof load>>[]> = { [setups[0].name]: [], [setups[1].name]: [] };
  try {
    for (const s of setups) await load(s, 2); // warm-up: every node rebuilds the sessions it is sent
    for (let r = 0; r < ROUNDS; r++) {
      for (const s of setups) {
        const result = await load(s, SECONDS);
        runs[s.name].push(result);
        log(`${s.name} #${r + 1}: ${result.reqPerSec} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, errors ${result.errors}`);
      }
    }
  } finally {
    for (const s of setups) await s.cleanup();
  }
  const med = (name: string, k: 'reqPerSec' | 'p50' | 'p99') => median(runs[name].map((x) => x[k]));
  const one = setups[0].name;
  const three = setups[1].name;
  const ratio = med(three, 'reqPerSec') / med(one, 'reqPerSec');
  const file = writeResult(`cluster-throughput-${STORE}`, { benchmark: 'cluster-throughput', date: new Date().toISOString(), machine: machine(), params: { SESSIONS, WORKERS, SECONDS, ROUNDS, STORE }, runs });
  process.stdout.write(
    `cluster throughput (${STORE}): 1 node ${med(one, 'reqPerSec')} req/s (p99 ${med(one, 'p99')} ms) vs 3 nodes ${med(three, 'reqPerSec')} req/s (p99 ${med(three, 'p99')} ms); ratio 3/1 = ${ratio.toFixed(2)}x\n` +
      `(2 cores shared by the load generator, HAProxy and the nodes: no CPU to scale into; the ratio is the cost of spreading every session over every node)\nresult: ${file}\n`,
  );
}

void main();
