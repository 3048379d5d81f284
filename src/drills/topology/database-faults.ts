import { randomBytes } from 'node:crypto';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import postgres from 'postgres';
import { recoverFromCorruption } from '../../database/corruption.js';
import { runFailover } from '../../database/failover.js';
import type { ReplicatedCluster } from '../../database/local/replicated-cluster.js';

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
 * The runbook (`continuum db failover`): fence the old primary if it answers (read-only, clients ended; it
 * stays up so its last WAL position can be read), promote the most advanced standby, verify a write.
 */
export async function promote(db: ReplicatedCluster): Promise<Record<string, unknown>> {
  const report = await runFailover({ url: db.multiHostUrl });
  if (report.outcome !== 'promoted') throw new Error(`the failover runbook ${report.outcome}: ${report.reason ?? ''}`);
  return { from: report.from, to: report.to, total_ms: report.totalMs, may_have_lost_commits: report.mayHaveLostCommits, steps: report.steps.map((s) => `${s.name} ${s.ok ? 'ok' : 'FAILED'} ${s.ms} ms`) };
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

/** Recovery from corruption: fail over to the standby, then check integrity and every acknowledged session. */
export async function recover(db: ReplicatedCluster, acknowledged: string[]): Promise<Record<string, unknown>> {
  const r = await recoverFromCorruption({ url: db.multiHostUrl, acknowledgedSessions: acknowledged });
  const out = { ok: r.ok, total_ms: r.totalMs, to: r.failover.to, integrity_ok: r.integrity?.tables.every((t) => t.ok) ?? null, missing: r.missing.length };
  if (!r.ok) throw new Error(`recovery did not complete: ${JSON.stringify(out)} ${r.failover.reason ?? ''}`);
  return out;
}
