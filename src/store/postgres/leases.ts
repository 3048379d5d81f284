import { historyFromRow, leaseFromRow, type LeaseHistoryRow, type LeaseRow } from '../cluster-rows.js';
import { checkTtl } from '../lease-rules.js';
import type { JsonObject, Lease, LeaseStore } from '../port.js';
import { PG_NOW_MS } from './clock.js';
import type { PostgresPool } from './pool.js';

/**
 * Leases in continuum_leases, fenced writes in continuum_lease_history. Every decision is one statement
 * that compares against the server's clock (see clock.ts) and holds the lease row's lock until commit,
 * so concurrent calls from any number of nodes serialise on that row.
 */
export class PostgresLeaseStore implements LeaseStore {
  constructor(private readonly pool: PostgresPool) {}

  /**
   * One INSERT ... ON CONFLICT DO UPDATE ... WHERE. The new expiry is store now + ttl, so inside the
   * statement store now is `excluded.expires_at - ttl`. The row is taken when it is new, held by
   * `holder`, or lapsed; the epoch stays only when `holder` held it without lapsing (lease-rules.ts).
   * A racing insert of the same new name waits for the first and then takes the update path, which
   * re-reads the committed row. Retried even when in doubt: a repeat by the same holder finds itself
   * holding the lease and renews it at the same epoch.
   */
  async acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    const rows = await this.pool.run('idempotent', (sql) => sql<LeaseRow[]>`
      INSERT INTO continuum_leases AS l (name, holder, epoch, expires_at)
      VALUES (${name}, ${holder}, 1, ${sql.unsafe(PG_NOW_MS)} + ${ttlMs}::bigint)
      ON CONFLICT (name) DO UPDATE SET
        holder = excluded.holder,
        epoch = CASE WHEN l.holder = excluded.holder AND l.expires_at > excluded.expires_at - ${ttlMs}::bigint
                     THEN l.epoch ELSE l.epoch + 1 END,
        expires_at = excluded.expires_at
      WHERE l.holder = excluded.holder OR l.expires_at <= excluded.expires_at - ${ttlMs}::bigint
      RETURNING name, holder, epoch, expires_at`);
    return rows.length > 0 ? leaseFromRow(rows[0]) : null;
  }

  /** Retried even when in doubt: a second extension by the holder at its epoch is harmless. */
  async renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<Lease | null> {
    checkTtl(ttlMs);
    const rows = await this.pool.run('idempotent', (sql) => sql<LeaseRow[]>`
      UPDATE continuum_leases SET expires_at = ${sql.unsafe(PG_NOW_MS)} + ${ttlMs}::bigint
       WHERE name = ${name} AND holder = ${holder} AND epoch = ${epoch}::bigint
         AND expires_at > ${sql.unsafe(PG_NOW_MS)}
      RETURNING name, holder, epoch, expires_at`);
    return rows.length > 0 ? leaseFromRow(rows[0]) : null;
  }

  /** LEAST: releasing a lease that has already lapsed must not move its expiry forward. */
  async release(name: string, holder: string, epoch: number): Promise<void> {
    await this.pool.run('idempotent', (sql) => sql`
      UPDATE continuum_leases SET expires_at = LEAST(expires_at, ${sql.unsafe(PG_NOW_MS)})
       WHERE name = ${name} AND holder = ${holder} AND epoch = ${epoch}::bigint`);
  }

  async get(name: string): Promise<Lease | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<LeaseRow[]>`
      SELECT name, holder, epoch, expires_at FROM continuum_leases WHERE name = ${name}`);
    return rows.length > 0 ? leaseFromRow(rows[0]) : null;
  }

  /**
   * One INSERT ... SELECT from the lease row locked FOR UPDATE. An acquire racing with it either waits
   * for this commit, or commits first, and then the lock wait ends with the WHERE re-checked against the
   * new row (new epoch: nothing is written). Appends to one lease thus commit one at a time, each drawing
   * its id while holding the lock, so id order is commit order. Not retried when in doubt: a repeat
   * would write the record twice.
   */
  async fencedAppend(name: string, epoch: number, record: JsonObject): Promise<boolean> {
    const text = JSON.stringify(record);
    const result = await this.pool.run('if-not-committed', (sql) => sql`
      WITH lease AS (
        SELECT name, epoch, holder FROM continuum_leases
         WHERE name = ${name} AND epoch = ${epoch}::bigint AND expires_at > ${sql.unsafe(PG_NOW_MS)}
           FOR UPDATE
      )
      INSERT INTO continuum_lease_history (name, epoch, holder, record, at)
      SELECT name, epoch, holder, ${text}, ${sql.unsafe(PG_NOW_MS)} FROM lease`);
    return result.count > 0;
  }

  async history(name: string): Promise<{ epoch: number; holder: string; record: JsonObject; at: number }[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<LeaseHistoryRow[]>`
      SELECT epoch, holder, record, at FROM continuum_lease_history WHERE name = ${name} ORDER BY id`);
    return rows.map(historyFromRow);
  }
}
