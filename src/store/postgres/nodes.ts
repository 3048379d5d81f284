import { nodeFromRow, type NodeRow } from '../cluster-rows.js';
import type { JsonObject, NodeRecord, NodeRegistry } from '../port.js';
import { PG_NOW_MS } from './clock.js';
import type { PostgresPool } from './pool.js';

/** Nodes in continuum_nodes; heartbeat times are the server's clock (see clock.ts). */
export class PostgresNodeRegistry implements NodeRegistry {
  constructor(private readonly pool: PostgresPool) {}

  /**
   * One upsert. startedAt is kept from the first heartbeat, unless the node publishes a new, different
   * state.bootId (a restarted process reusing its id); a heartbeat without one keeps the last bootId.
   * Retried even when in doubt: a second heartbeat only moves lastHeartbeat on.
   */
  async heartbeat(node: { id: string; region: string; url: string; state: JsonObject }): Promise<number> {
    const bootId = typeof node.state.bootId === 'string' ? node.state.bootId : null;
    const state = JSON.stringify(node.state);
    const [row] = await this.pool.run('idempotent', (sql) => sql<{ last_heartbeat: string }[]>`
      INSERT INTO continuum_nodes AS n (id, region, url, started_at, last_heartbeat, state, boot_id)
      SELECT ${node.id}, ${node.region}, ${node.url}, t.now, t.now, ${state}, ${bootId}::text
        FROM (SELECT ${sql.unsafe(PG_NOW_MS)} AS now) AS t
      ON CONFLICT (id) DO UPDATE SET
        region = excluded.region,
        url = excluded.url,
        last_heartbeat = excluded.last_heartbeat,
        state = excluded.state,
        started_at = CASE WHEN excluded.boot_id IS NOT NULL AND excluded.boot_id IS DISTINCT FROM n.boot_id
                          THEN excluded.started_at ELSE n.started_at END,
        boot_id = coalesce(excluded.boot_id, n.boot_id)
      RETURNING last_heartbeat`);
    return Number(row.last_heartbeat);
  }

  async list(): Promise<NodeRecord[]> {
    // COLLATE "C": byte order whatever the database's collation, as SQLite sorts.
    const rows = await this.pool.run('idempotent', (sql) => sql<NodeRow[]>`
      SELECT id, region, url, started_at, last_heartbeat, state FROM continuum_nodes ORDER BY id COLLATE "C"`);
    return rows.map(nodeFromRow);
  }

  async remove(id: string): Promise<boolean> {
    // Retried even when in doubt; a retry after a committed first attempt reports false.
    const result = await this.pool.run('idempotent', (sql) => sql`DELETE FROM continuum_nodes WHERE id = ${id}`);
    return result.count > 0;
  }
}
