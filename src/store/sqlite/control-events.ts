import type Database from 'better-sqlite3';
import {
  DuplicateControlEvent,
  StreamVersionConflict,
  type AppendOptions,
  type ControlEvent,
  type ControlEventStore,
  type NewControlEvent,
} from '../control-port.js';
import { CONTROL_EVENT_COLUMNS, controlEventFromRow, type ControlEventRow } from '../control-rows.js';

function prepare(db: Database.Database) {
  const version = db
    .prepare<[string], number>(`SELECT coalesce(max(version), 0) FROM continuum_control_events WHERE stream_id = ?`)
    .pluck();
  const byKey = db.prepare<[string], ControlEventRow>(
    `SELECT ${CONTROL_EVENT_COLUMNS} FROM continuum_control_events WHERE idempotency_key = ?`,
  );
  const insert = db.prepare<[string, number, string, string, string, number, string | null]>(
    `INSERT INTO continuum_control_events (stream_id, version, type, data, actor, at, idempotency_key)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
  );
  const stream = db.prepare<[string, number], ControlEventRow>(
    `SELECT ${CONTROL_EVENT_COLUMNS} FROM continuum_control_events WHERE stream_id = ? AND version > ? ORDER BY version`,
  );
  const after = db.prepare<[number, number], ControlEventRow>(
    `SELECT ${CONTROL_EVENT_COLUMNS} FROM continuum_control_events WHERE seq > ? ORDER BY seq LIMIT ?`,
  );
  return {
    byKey,
    stream,
    after,
    // Under BEGIN IMMEDIATE the version check, the key check and the inserts see no other writer, and
    // seq order is commit order.
    append: db.transaction((streamId: string, events: NewControlEvent[], opts: AppendOptions): ControlEvent[] => {
      const current = version.get(streamId) as number;
      if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) {
        throw new StreamVersionConflict(streamId, opts.expectedVersion);
      }
      const keys = new Set<string>();
      for (const e of events) {
        if (e.idempotencyKey === undefined) continue;
        if (keys.has(e.idempotencyKey) || byKey.get(e.idempotencyKey)) throw new DuplicateControlEvent(e.idempotencyKey);
        keys.add(e.idempotencyKey);
      }
      return events.map((e, i) => {
        const key = e.idempotencyKey ?? null;
        const { lastInsertRowid } = insert.run(streamId, current + i + 1, e.type, JSON.stringify(e.data), e.actor, e.at, key);
        return { seq: Number(lastInsertRowid), streamId, version: current + i + 1, type: e.type, data: e.data, actor: e.actor, at: e.at, idempotencyKey: key };
      });
    }),
  };
}

export class SqliteControlEventStore implements ControlEventStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async appendToStream(streamId: string, events: NewControlEvent[], opts: AppendOptions = {}): Promise<ControlEvent[]> {
    if (events.length === 0) return [];
    return this.s.append.immediate(streamId, events, opts);
  }

  async readStream(streamId: string, afterVersion = 0): Promise<ControlEvent[]> {
    return this.s.stream.all(streamId, afterVersion).map(controlEventFromRow);
  }

  async readAfter(afterSeq: number, limit?: number): Promise<ControlEvent[]> {
    const max = limit === undefined ? -1 : Math.max(0, Math.floor(limit));
    return this.s.after.all(afterSeq, max).map(controlEventFromRow);
  }

  async findByIdempotencyKey(key: string): Promise<ControlEvent | null> {
    const row = this.s.byKey.get(key);
    return row ? controlEventFromRow(row) : null;
  }
}
