/**
 * The replication heartbeat: one row on the primary, stamped with the primary's clock every interval.
 * Standbys replay it like any commit, so "how old is the newest heartbeat a standby has" measures its
 * lag even while nothing else is written (replication.ts compares it with the primary's row).
 */
import type postgres from 'postgres';

export const HEARTBEAT_TABLE = 'continuum_db_heartbeat';

type Sql = postgres.Sql;

export async function ensureHeartbeatTable(sql: Sql): Promise<void> {
  await sql`CREATE TABLE IF NOT EXISTS ${sql(HEARTBEAT_TABLE)} (
    id smallint PRIMARY KEY CHECK (id = 1),
    at timestamptz NOT NULL,
    beats bigint NOT NULL DEFAULT 0)`;
}

/** One beat; returns the primary's timestamp (ms). */
export async function writeHeartbeat(sql: Sql): Promise<number> {
  const [row] = await sql<{ at: string }[]>`
    INSERT INTO ${sql(HEARTBEAT_TABLE)} (id, at, beats) VALUES (1, clock_timestamp(), 1)
    ON CONFLICT (id) DO UPDATE SET at = clock_timestamp(), beats = ${sql(HEARTBEAT_TABLE)}.beats + 1
    RETURNING (extract(epoch FROM at) * 1000)::bigint::text AS at`;
  return Number(row.at);
}
