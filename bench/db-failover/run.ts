/**
 * Database failover benchmark (database continuity issue): write outage on primary loss, plain
 * streaming replication with Continuum's runbook side by side with Patroni (tuned timings).
 *
 * Each run: a fresh PostgreSQL primary + synchronous standby, two Continuum node processes given
 * every database host, 4 clients creating sessions and changing log levels through them (each write
 * is acknowledged only after its commit), then kill -9 of the primary's machine (postmaster and every
 * backend; with Patroni, its Patroni too). Measured: the write outage (kill -> first acknowledged
 * session write after it), and every acknowledged session checked on the new primary (lost ones are
 * counted). Plain mode: failover is started by the leader-side trigger (src/database/auto-failover.ts:
 * "no primary" confirmed for database.failover.confirmAfter, a quorum of nodes agreeing via /readyz)
 * running the runbook; the trigger runs in the benchmark process as the cluster's leader would.
 *
 *   npm run build && node --import tsx bench/db-failover/run.ts [--runs 5] [--mode plain|patroni|both]
 *        [--confirm-after 1s] [--ttl 10 --loop-wait 2 --retry-timeout 3]
 */
import postgres from 'postgres';
import pino from 'pino';
import { AutoFailover } from '../../src/database/auto-failover.js';
import { databaseConfigSchema } from '../../src/database/config.js';
import { startReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { DatabaseMonitor } from '../../src/database/monitor.js';
import { choosePrimary, parseMultiHostUrl, probeHosts } from '../../src/store/postgres/topology.js';
import { startCluster, stopCluster, type ClusterNode } from '../../test/support/cluster.js';
import { SessionLoad } from '../../test/database/support/session-load.js';
import { machine, median, writeResult } from '../lib/report.mjs';
import { startPatroniCluster } from './patroni-cluster.js';

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const RUNS = Number(opt('runs', '5'));
const MODE = opt('mode', 'both');
const CONFIRM_AFTER = opt('confirm-after', '1s');
const TIMINGS = { ttl: Number(opt('ttl', '10')), loopWait: Number(opt('loop-wait', '2')), retryTimeout: Number(opt('retry-timeout', '3')) };
const NODE_ENV = { CONTINUUM_DATABASE_PROBE_EVERY: '250ms' };
const silent = pino({ level: 'silent' });

interface RunResult {
  outageMs: number;
  acknowledged: number;
  lost: number;
  inDoubt: number;
  /** Plain mode: kill -> runbook start, and the runbook's own duration. */
  detectMs?: number;
  runbookMs?: number;
}

async function measure(nodes: ClusterNode[], url: string, kill: () => Promise<void>, during?: (killedAt: number) => Promise<Partial<RunResult>>): Promise<RunResult> {
  const load = new SessionLoad(nodes.map((n) => n.url));
  load.start(4);
  try {
    await waitUntil(() => load.acknowledgedSessions().length >= 20, 30_000, 'load to start');
    await kill();
    const killedAt = Date.now();
    const extra = during ? await during(killedAt) : {};
    await waitUntil(() => load.firstOkAfter(killedAt) !== null, 90_000, 'a write after the kill');
    const outageMs = load.firstOkAfter(killedAt)!;
    await new Promise((r) => setTimeout(r, 1000));
    await load.stop();
    const acked = load.acknowledgedSessions();
    const { primary } = choosePrimary(await probeHosts(parseMultiHostUrl(url)));
    if (!primary) throw new Error('no primary after the failover');
    const sql = postgres(parseMultiHostUrl(url).forHost(primary), { max: 1, onnotice: () => {} });
    try {
      const rows = await sql<{ id: string }[]>`SELECT id FROM continuum_sessions WHERE id = ANY(${acked}::text[])`;
      return { outageMs, acknowledged: acked.length, lost: acked.length - rows.length, inDoubt: load.history.filter((o) => o.outcome === 'info').length, ...extra };
    } finally {
      await sql.end();
    }
  } finally {
    await load.stop();
  }
}

async function plainRun(): Promise<RunResult> {
  const db = await startReplicatedCluster({ sync: true });
  const nodes = await startCluster(2, db.multiHostUrl, { env: NODE_ENV });
  const config = databaseConfigSchema.parse({ probeEvery: '250ms', failover: { mode: 'auto', confirmAfter: CONFIRM_AFTER } });
  const monitor = new DatabaseMonitor({ url: db.multiHostUrl, config, log: silent, isLeader: () => true });
  let startedAt = 0;
  let runbookMs = 0;
  const auto = new AutoFailover({
    url: db.multiHostUrl,
    config,
    self: { id: 'leader', region: 'local' },
    isLeader: () => true,
    view: () => monitor.view,
    probe: () => monitor.tick(),
    members: () => [{ id: 'leader', region: 'local', url: '' }, ...nodes.map((n) => ({ id: n.id, region: 'local', url: n.url }))],
    quorumBy: 'nodes',
    log: silent,
    onStep: (s) => {
      if (s.name === 'check-replication') startedAt = Date.parse(s.startedAt);
    },
    onReport: (r) => (runbookMs = r.totalMs),
  });
  const loop = setInterval(() => void monitor.tick().then((v) => auto.observe(v)).catch(() => undefined), 250);
  try {
    await monitor.tick().then((v) => auto.observe(v));
    let killedAt = 0;
    const r = await measure(nodes, db.multiHostUrl, async () => void (await db.killPrimary()), async (at) => ((killedAt = at), {}));
    await waitUntil(() => runbookMs > 0, 30_000, 'the runbook report');
    return { ...r, runbookMs, detectMs: startedAt - killedAt };
  } finally {
    clearInterval(loop);
    await monitor.stop();
    await stopCluster(nodes);
    await db.stop();
  }
}

async function patroniRun(): Promise<RunResult> {
  const pc = await startPatroniCluster(TIMINGS);
  const nodes = await startCluster(2, pc.multiHostUrl, { env: NODE_ENV });
  try {
    return await measure(nodes, pc.multiHostUrl, async () => void (await pc.killLeader()));
  } finally {
    await stopCluster(nodes);
    await pc.stop();
  }
}

async function waitUntil(cond: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

function summary(name: string, runs: RunResult[]): Record<string, unknown> {
  const outages = runs.map((r) => r.outageMs);
  return {
    mode: name,
    runs: runs.length,
    outageMedianMs: median(outages),
    outageMaxMs: Math.max(...outages),
    outageMinMs: Math.min(...outages),
    acknowledgedWrites: runs.reduce((a, r) => a + r.acknowledged, 0),
    lostAcknowledged: runs.reduce((a, r) => a + r.lost, 0),
    runbookMedianMs: runs[0]?.runbookMs !== undefined ? median(runs.map((r) => r.runbookMs ?? 0)) : undefined,
    each: runs,
  };
}

const results: Record<string, unknown>[] = [];
for (const mode of MODE === 'both' ? ['plain', 'patroni'] : [MODE]) {
  const runs: RunResult[] = [];
  for (let i = 0; i < RUNS; i++) {
    const r = mode === 'plain' ? await plainRun() : await patroniRun();
    runs.push(r);
    process.stderr.write(`${mode} run ${i + 1}/${RUNS}: outage ${r.outageMs} ms, ${r.acknowledged} acknowledged sessions, ${r.lost} lost${r.runbookMs ? `, runbook started ${r.detectMs} ms after the kill and took ${r.runbookMs} ms` : ''}\n`);
  }
  results.push(summary(mode === 'plain' ? `plain runbook (auto, confirmAfter ${CONFIRM_AFTER})` : `Patroni ttl ${TIMINGS.ttl} / loop_wait ${TIMINGS.loopWait} / retry_timeout ${TIMINGS.retryTimeout}`, runs));
}
console.log('\nwrite outage on primary loss (kill -9 -> first acknowledged session write), synchronous replication');
console.log('mode                                              runs  median    min      max      acknowledged  lost');
for (const r of results) {
  console.log(
    `${String(r.mode).padEnd(50)}${String(r.runs).padEnd(6)}${`${((r.outageMedianMs as number) / 1000).toFixed(2)} s`.padEnd(10)}${`${((r.outageMinMs as number) / 1000).toFixed(2)} s`.padEnd(9)}${`${((r.outageMaxMs as number) / 1000).toFixed(2)} s`.padEnd(9)}${String(r.acknowledgedWrites).padEnd(14)}${r.lostAcknowledged}`,
  );
}
if (results.length === 2) {
  console.log(`ratio plain / Patroni (median outage): ${((results[0].outageMedianMs as number) / (results[1].outageMedianMs as number)).toFixed(2)}`);
}
const file = writeResult('db-failover', { benchmark: 'db-failover', date: new Date().toISOString(), machine: machine(), results });
console.log(`result: ${file}`);
