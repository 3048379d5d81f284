/**
 * Replication status, read from the primary, with the queries the continuity plan meant. The plan's
 * own two are invalid on PostgreSQL 15 (facts.md section 1); these replace them:
 *   - lag in bytes per standby:   pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) FROM pg_stat_replication
 *   - lag in time on a standby:   now() - pg_last_xact_replay_timestamp()    (instead of pg_last_xact_commit())
 *   - is this server the primary: SELECT NOT pg_is_in_recovery() AS is_primary (instead of ... FROM pg_is_in_recovery())
 *
 * Time lag on a standby (now() - last replayed commit) grows while the primary is idle, so an idle
 * primary would look lagged. The heartbeat row (heartbeat.ts) is written on the primary every second;
 * a standby's lag in seconds is then the primary's heartbeat time minus the heartbeat time the standby
 * has replayed, both stamped by the primary's clock (no clock skew enters), 0 when caught up.
 */
import type postgres from 'postgres';
import { HEARTBEAT_TABLE } from './heartbeat.js';

type Sql = postgres.Sql;

export interface StandbyStatus {
  /** application_name of the WAL receiver (our standbys use their name). */
  name: string;
  /** Address the standby connects from. */
  clientAddr: string | null;
  /** pg_stat_replication.state: startup, catchup, streaming, backup, stopping. */
  state: string;
  /** async, potential, sync or quorum. */
  syncState: string;
  /** WAL the primary has and the standby has not flushed: what a failover to it now would lose. */
  lagBytes: number;
  /** WAL not yet replayed (visible to reads) on the standby. */
  replayLagBytes: number;
  /** Seconds of commits the standby lacks (heartbeat-based when the standby's own view was read, else pg_stat_replication's flush_lag). */
  lagSeconds: number;
}

export interface ReplicationStatus {
  /** The server the status was read on. */
  primary: { isPrimary: boolean; currentLsn: string | null; timeline: number | null };
  /** synchronous_standby_names on the primary ('' = asynchronous). */
  synchronousStandbyNames: string;
  synchronousCommit: string;
  /** Commits wait for a standby (RPO 0 for acknowledged writes while a sync standby streams). */
  synchronous: boolean;
  standbys: StandbyStatus[];
  /**
   * What a failover right now would lose, in seconds of acknowledged commits: 0 when a synchronous
   * standby is streaming; else the smallest lag among streaming standbys; null when no standby streams
   * (a failover would lose everything since the last backup).
   */
  rpoEstimateSeconds: number | null;
  at: string;
}

/** The two replication queries the plan meant, corrected, as run here (tests run both). */
export const REPLICATION_QUERIES = {
  lagOnPrimary:
    'SELECT application_name, sync_state, pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn) AS lag_bytes, write_lag, flush_lag, replay_lag FROM pg_stat_replication',
  delayOnStandby: 'SELECT now() - pg_last_xact_replay_timestamp() AS replication_delay',
  isPrimary: 'SELECT NOT pg_is_in_recovery() AS is_primary',
} as const;

interface ReplicationRow {
  name: string;
  client_addr: string | null;
  state: string;
  sync_state: string;
  lag_bytes: string | null;
  replay_lag_bytes: string | null;
  flush_lag_s: number | null;
}

/**
 * Reads the replication status on `sql` (a connection to the primary). `standbys`, when given, maps
 * standby names to connections to them: their heartbeat row then gives lag in seconds exactly.
 */
export async function readReplicationStatus(sql: Sql, standbys: Record<string, Sql> = {}): Promise<ReplicationStatus> {
  const [self] = await sql<{ is_primary: boolean; lsn: string | null; timeline: number | null; names: string; commit: string }[]>`
    SELECT NOT pg_is_in_recovery() AS is_primary,
           CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END AS lsn,
           CASE WHEN pg_is_in_recovery() THEN NULL
                ELSE ('x' || substr(pg_walfile_name(pg_current_wal_lsn()), 1, 8))::bit(32)::int END AS timeline,
           current_setting('synchronous_standby_names') AS names,
           current_setting('synchronous_commit') AS commit`;
  if (!self.is_primary) throw new Error('this server is a standby (pg_is_in_recovery() is true): read the replication status on the primary');
  const rows = await sql<ReplicationRow[]>`
    SELECT application_name AS name, client_addr::text AS client_addr, state, sync_state,
           pg_wal_lsn_diff(pg_current_wal_lsn(), flush_lsn)::text AS lag_bytes,
           pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::text AS replay_lag_bytes,
           extract(epoch FROM flush_lag)::float8 AS flush_lag_s
      FROM pg_stat_replication
     ORDER BY application_name`;
  const primaryBeat = await heartbeatAt(sql);
  const out: StandbyStatus[] = [];
  for (const r of rows) {
    const lagBytes = Math.max(0, Number(r.lag_bytes ?? 0));
    let lagSeconds = lagBytes === 0 ? 0 : Math.max(0, r.flush_lag_s ?? 0);
    const own = standbys[r.name];
    if (own && primaryBeat !== null) {
      const theirs = await heartbeatAt(own).catch(() => null);
      if (theirs !== null) lagSeconds = Math.max(0, (primaryBeat - theirs) / 1000);
    }
    out.push({
      name: r.name,
      clientAddr: r.client_addr,
      state: r.state,
      syncState: r.sync_state,
      lagBytes,
      replayLagBytes: Math.max(0, Number(r.replay_lag_bytes ?? 0)),
      lagSeconds,
    });
  }
  const synchronous = self.names.trim() !== '' && ['on', 'remote_apply', 'remote_write'].includes(self.commit);
  return {
    primary: { isPrimary: true, currentLsn: self.lsn, timeline: self.timeline },
    synchronousStandbyNames: self.names,
    synchronousCommit: self.commit,
    synchronous,
    standbys: out,
    rpoEstimateSeconds: rpoEstimate(synchronous, out),
    at: new Date().toISOString(),
  };
}

export function rpoEstimate(synchronous: boolean, standbys: StandbyStatus[]): number | null {
  const streaming = standbys.filter((s) => s.state === 'streaming');
  if (streaming.length === 0) return null;
  if (synchronous && streaming.some((s) => s.syncState === 'sync' || s.syncState === 'quorum')) return 0;
  return Math.min(...streaming.map((s) => s.lagSeconds));
}

/** The heartbeat time (ms, primary's clock) the server has; null when the table or row is missing. */
async function heartbeatAt(sql: Sql): Promise<number | null> {
  try {
    const rows = await sql<{ at: string }[]>`
      SELECT (extract(epoch FROM at) * 1000)::bigint::text AS at FROM ${sql(HEARTBEAT_TABLE)} WHERE id = 1`;
    return rows.length > 0 ? Number(rows[0].at) : null;
  } catch {
    return null;
  }
}

/** The replication-lag signal for incident detection: firing when a failover now would lose more than the target. */
export function lagSignal(status: ReplicationStatus | null, rpoTargetSeconds: number): { firing: boolean; summary: string } {
  if (!status) return { firing: true, summary: 'replication status unknown: the primary did not answer' };
  const rpo = status.rpoEstimateSeconds;
  if (rpo === null) return { firing: true, summary: 'no standby is streaming: a failover now would lose every commit since the last backup' };
  if (rpo > rpoTargetSeconds) {
    const worst = [...status.standbys].sort((a, b) => a.lagSeconds - b.lagSeconds)[0];
    return { firing: true, summary: `replication lag ${rpo.toFixed(2)} s exceeds the RPO target ${rpoTargetSeconds} s (best standby ${worst?.name ?? '?'}: ${worst?.lagBytes ?? 0} bytes behind)` };
  }
  return { firing: false, summary: `RPO estimate ${rpo.toFixed(2)} s within the target ${rpoTargetSeconds} s` };
}
