import {
  DuplicateControlEvent,
  StreamVersionConflict,
  type AppendOptions,
  type ControlEvent,
  type ControlEventStore,
  type NewControlEvent,
} from '../control-port.js';
import { CONTROL_EVENT_COLUMNS, controlEventFromRow, type ControlEventRow } from '../control-rows.js';
import type { PostgresPool } from './pool.js';

export class PostgresControlEventStore implements ControlEventStore {
  constructor(private readonly pool: PostgresPool) {}

  /**
   * One transaction under one store-wide advisory lock. The lock does two jobs: the version and key
   * checks cannot race another writer, and seq order equals commit order (identity values are drawn at
   * insert, not at commit, so without it a reader could see seq 11 before 10 commits and skip 10 for
   * good). Control-plane writes are rare, so serialising them costs nothing that matters.
   * Not retried when in doubt: the caller's idempotency key or expected version makes its own retry safe.
   */
  async appendToStream(streamId: string, events: NewControlEvent[], opts: AppendOptions = {}): Promise<ControlEvent[]> {
    if (events.length === 0) return [];
    return this.pool.run('if-not-committed', (sql) =>
      sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended('continuum_control_events', 0))`;
        const [{ version }] = await tx<{ version: string }[]>`
          SELECT coalesce(max(version), 0) AS version FROM continuum_control_events WHERE stream_id = ${streamId}`;
        const current = Number(version);
        if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) {
          throw new StreamVersionConflict(streamId, opts.expectedVersion);
        }
        const keys = events.map((e) => e.idempotencyKey).filter((k): k is string => k !== undefined);
        const repeated = keys.find((k, i) => keys.indexOf(k) !== i);
        if (repeated !== undefined) throw new DuplicateControlEvent(repeated);
        if (keys.length > 0) {
          const taken = await tx<{ idempotency_key: string }[]>`
            SELECT idempotency_key FROM continuum_control_events WHERE idempotency_key = ANY(${keys}::text[]) LIMIT 1`;
          if (taken.length > 0) throw new DuplicateControlEvent(taken[0].idempotency_key);
        }
        const stored: ControlEvent[] = [];
        for (const [i, e] of events.entries()) {
          const v = current + i + 1;
          const key = e.idempotencyKey ?? null;
          const [row] = await tx<{ seq: string }[]>`
            INSERT INTO continuum_control_events (stream_id, version, type, data, actor, at, idempotency_key)
            VALUES (${streamId}, ${v}::bigint, ${e.type}, ${JSON.stringify(e.data)}, ${e.actor}, ${e.at}::bigint, ${key})
            RETURNING seq`;
          stored.push({ seq: Number(row.seq), streamId, version: v, type: e.type, data: e.data, actor: e.actor, at: e.at, idempotencyKey: key });
        }
        return stored;
      }),
    );
  }

  async readStream(streamId: string, afterVersion = 0): Promise<ControlEvent[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<ControlEventRow[]>`
      SELECT ${sql.unsafe(CONTROL_EVENT_COLUMNS)} FROM continuum_control_events
       WHERE stream_id = ${streamId} AND version > ${afterVersion}::bigint ORDER BY version`);
    return rows.map(controlEventFromRow);
  }

  async readAfter(afterSeq: number, limit?: number): Promise<ControlEvent[]> {
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    const rows = await this.pool.run('idempotent', (sql) => sql<ControlEventRow[]>`
      SELECT ${sql.unsafe(CONTROL_EVENT_COLUMNS)} FROM continuum_control_events
       WHERE seq > ${afterSeq}::bigint ORDER BY seq LIMIT ${max}::bigint`);
    return rows.map(controlEventFromRow);
  }

  async findByIdempotencyKey(key: string): Promise<ControlEvent | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<ControlEventRow[]>`
      SELECT ${sql.unsafe(CONTROL_EVENT_COLUMNS)} FROM continuum_control_events WHERE idempotency_key = ${key}`);
    return rows.length > 0 ? controlEventFromRow(rows[0]) : null;
  }
}
