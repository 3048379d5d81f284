import type Database from 'better-sqlite3';
import type { Clock } from '../../core/clock.js';
import type { EventStore, NewEvent, StoredEvent, StreamCursor } from '../port.js';
import { EVENT_COLUMNS, eventFromRow, type EventRow } from '../rows.js';

const COLUMNS = EVENT_COLUMNS.join(', ');

function prepare(db: Database.Database) {
  const insert = db.prepare<[string, string, string, number]>(
    `INSERT INTO continuum_events (session_id, stream_id, message, created_at) VALUES (?, ?, ?, ?)`,
  );
  const select = db.prepare<[number, string], EventRow>(
    `SELECT ${COLUMNS} FROM continuum_events WHERE seq = ? AND session_id = ?`,
  );
  const after = db.prepare<[string, string, number, number], EventRow>(
    `SELECT ${COLUMNS} FROM continuum_events
      WHERE session_id = ? AND stream_id = ? AND seq > ?
      ORDER BY seq LIMIT ?`,
  );
  const prune = db.prepare<[number]>(`DELETE FROM continuum_events WHERE created_at < ?`);
  const hasAfter = db
    .prepare<[string, string, number], number>(`SELECT 1 FROM continuum_events WHERE session_id = ? AND stream_id = ? AND seq > ? LIMIT 1`)
    .pluck();
  // AUTOINCREMENT's counter, not max(seq): it never goes back when the newest events are pruned.
  const maxSeq = db
    .prepare<[], number>(`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'continuum_events'), 0)`)
    .pluck();

  return {
    select,
    after,
    maxSeq,
    // One read transaction: every answer from the same snapshot.
    withEventsAfter: db.transaction((cursors: StreamCursor[]) => cursors.filter((c) => hasAfter.get(c.sessionId, c.streamId, c.afterSeq) !== undefined)),
    // One BEGIN IMMEDIATE transaction per batch: one fsync for the whole batch, and the write lock
    // makes seq order equal commit order across processes sharing the file.
    append: db.transaction((events: NewEvent[], createdAt: number): StoredEvent[] =>
      events.map((e) => {
        const { lastInsertRowid } = insert.run(e.sessionId, e.streamId, JSON.stringify(e.message), createdAt);
        // The caller's message object is returned as is: parsing the stored text back would double the
        // JSON cost on the hot path for an equal value.
        return { sessionId: e.sessionId, streamId: e.streamId, seq: Number(lastInsertRowid), message: e.message, createdAt };
      }),
    ),
    prune: db.transaction((before: number) => prune.run(before).changes),
  };
}

export class SqliteEventStore implements EventStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(
    private readonly db: Database.Database,
    private readonly clock: Clock,
  ) {}

  /** Prepared on first use, not in the constructor: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async appendEvents(events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    return this.s.append.immediate(events, this.clock.now());
  }

  async getEvent(sessionId: string, seq: number): Promise<StoredEvent | null> {
    const row = this.s.select.get(seq, sessionId);
    return row ? eventFromRow(row) : null;
  }

  async readEventsAfter(sessionId: string, streamId: string, afterSeq: number, limit?: number): Promise<StoredEvent[]> {
    // SQLite reads LIMIT -1 as "no limit".
    const max = limit === undefined ? -1 : Math.max(0, Math.floor(limit));
    return this.s.after.all(sessionId, streamId, afterSeq, max).map(eventFromRow);
  }

  async pruneEvents(before: number): Promise<number> {
    return this.s.prune.immediate(before);
  }

  async maxSeq(): Promise<number> {
    return this.s.maxSeq.get() as number;
  }

  async streamsWithEventsAfter(cursors: StreamCursor[]): Promise<StreamCursor[]> {
    return this.s.withEventsAfter(cursors);
  }
}
