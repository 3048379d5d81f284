import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { recoverFromCorruption } from '../../database/corruption.js';
import type { FailoverReport } from '../../database/failover.js';
import type { ReplicatedCluster } from '../../database/local/replicated-cluster.js';
import { cliPath } from './paths.js';

export async function killPrimary(db: ReplicatedCluster, signal: string): Promise<Record<string, unknown>> {
  if (signal === 'SIGTERM') {
    const p = await db.currentPrimary();
    if (!p) throw new Error('no primary answers');
    await db.stopHost(p.name);
    return { stopped: p.name };
  }
  const p = await db.killPrimary();
  return { killed: p.name, port: p.port };
}

/**
 * The runbook, run as an operator runs it: `continuum db failover --json` in its own process (fence the
 * old primary if it answers, promote the most advanced standby, verify a write; audited in the store).
 * Not in the harness's process: that one drives a thousand clients retrying through the outage, and a
 * runbook sharing its event loop would measure the harness, not the runbook.
 */
export async function promote(db: ReplicatedCluster): Promise<Record<string, unknown>> {
  const report = await failoverInOwnProcess(db.multiHostUrl);
  if (report.outcome !== 'promoted') throw new Error(`the failover runbook ${report.outcome}: ${report.reason ?? ''}`);
  return { from: report.from, to: report.to, total_ms: report.totalMs, may_have_lost_commits: report.mayHaveLostCommits, steps: report.steps.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'} ${s.ms} ms`) };
}

async function failoverInOwnProcess(url: string): Promise<FailoverReport> {
  // The drill's own database, not the user's: no continuum.yaml from the working directory, no
  // CONTINUUM_* settings from the environment (a failover.mode of patroni would send it elsewhere).
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('CONTINUUM_')));
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(process.execPath, [cliPath(), 'db', 'failover', '--store', url, '--json'], { cwd: tmpdir(), env, timeout: 120_000, maxBuffer: 4 << 20 }, (err, stdout, stderr) =>
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    ),
  );
  try {
    return JSON.parse(stdout) as FailoverReport;
  } catch {
    throw new Error(`continuum db failover exited with ${code} without a report: ${stderr.trim().split('\n').slice(-3).join(' ')}`);
  }
}

/**
 * Overwrites bytes in the middle of the first page of the sessions table's data file on the primary,
 * with the server stopped (a running server would write its cached copy of the page back over the
 * damage), then starts it again: the page now fails its checksum on every read, as after a disk fault.
 */
export async function corruptPrimary(db: ReplicatedCluster, bytes: number): Promise<Record<string, unknown>> {
  const p = await db.currentPrimary();
  if (!p) throw new Error('no primary answers');
  const sql = postgres(p.url, { max: 1, onnotice: () => undefined });
  let rel: string;
  try {
    await sql`CHECKPOINT`;
    rel = (await sql<{ path: string }[]>`SELECT pg_relation_filepath('continuum_sessions') AS path`)[0].path;
  } finally {
    await sql.end({ timeout: 2 });
  }
  await db.stopHost(p.name);
  const file = join(p.dataDir, rel);
  const fh = await open(file, 'r+');
  try {
    await fh.write(randomBytes(bytes), 0, bytes, 4096);
  } finally {
    await fh.close();
  }
  await db.startHost(p.name);
  return { host: p.name, file: rel, bytes, offset: 4096 };
}

/**
 * Recovery from corruption: fail over to the standby (the runbook in its own process, as for promote),
 * then check integrity and every acknowledged session on the new primary.
 */
export async function recover(db: ReplicatedCluster, acknowledged: string[]): Promise<Record<string, unknown>> {
  const r = await recoverFromCorruption({ url: db.multiHostUrl, acknowledgedSessions: acknowledged, failover: (o) => failoverInOwnProcess(o.url) });
  const out = { ok: r.ok, total_ms: r.totalMs, to: r.failover.to, integrity_ok: r.integrity?.tables.every((t) => t.ok) ?? null, missing: r.missing.length };
  if (!r.ok) throw new Error(`recovery did not complete: ${JSON.stringify(out)} ${r.failover.reason ?? ''}`);
  return out;
}
