import type Database from 'better-sqlite3';
import type { JsonObject, NodeRecord, NodeRegistry } from '../port.js';
import { nodeFromRow, type NodeRow } from '../cluster-rows.js';
import { prepareNow } from './clock.js';

interface Upsert {
  id: string;
  region: string;
  url: string;
  now: number;
  state: string;
  bootId: string | null;
}

function prepare(db: Database.Database) {
  const now = prepareNow(db);
  // startedAt is kept from the first heartbeat, unless the node publishes a new, different
  // state.bootId (a restarted process reusing its id). A heartbeat without one keeps the last bootId.
  const upsert = db.prepare<[Upsert]>(
    `INSERT INTO continuum_nodes (id, region, url, started_at, last_heartbeat, state, boot_id)
     VALUES (@id, @region, @url, @now, @now, @state, @bootId)
     ON CONFLICT (id) DO UPDATE SET
       region = excluded.region,
       url = excluded.url,
       last_heartbeat = excluded.last_heartbeat,
       state = excluded.state,
       started_at = CASE WHEN excluded.boot_id IS NOT NULL AND excluded.boot_id IS NOT continuum_nodes.boot_id
                         THEN excluded.started_at ELSE continuum_nodes.started_at END,
       boot_id = coalesce(excluded.boot_id, continuum_nodes.boot_id)`,
  );
  const list = db.prepare<[], NodeRow>(
    `SELECT id, region, url, started_at, last_heartbeat, state FROM continuum_nodes ORDER BY id`,
  );
  const remove = db.prepare<[string]>(`DELETE FROM continuum_nodes WHERE id = ?`);
  return {
    list,
    heartbeat: db.transaction((id: string, region: string, url: string, state: string, bootId: string | null): number => {
      const at = now.get() as number;
      upsert.run({ id, region, url, now: at, state, bootId });
      return at;
    }),
    remove: db.transaction((id: string) => remove.run(id).changes > 0),
  };
}

export class SqliteNodeRegistry implements NodeRegistry {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use, not in the constructor: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async heartbeat(node: { id: string; region: string; url: string; state: JsonObject }): Promise<number> {
    const bootId = typeof node.state.bootId === 'string' ? node.state.bootId : null;
    return this.s.heartbeat.immediate(node.id, node.region, node.url, JSON.stringify(node.state), bootId);
  }

  async list(): Promise<NodeRecord[]> {
    return this.s.list.all().map(nodeFromRow);
  }

  async remove(id: string): Promise<boolean> {
    return this.s.remove.immediate(id);
  }
}
