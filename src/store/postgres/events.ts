import type { Clock } from '../../core/clock.js';
import type { EventStore, NewEvent, StoredEvent, StreamCursor } from '../port.js';
import { eventFromRow, type EventRow } from '../rows.js';
import type { PostgresPool } from './pool.js';

export class PostgresEventStore implements EventStore {
  constructor(
    private readonly pool: PostgresPool,
    private readonly clock: Clock,
  ) {}

  /**
   * One autocommit statement: one round trip, one transaction.
   *
   * Identity values are handed out when rows are inserted, not when they commit, so without care two
   * concurrent batches for one session could commit seq 11 before seq 10, and a reader resuming after
   * 11 would never see 10. Each batch therefore first takes a transaction-scoped advisory lock per
   * session it writes (in key order, so batches cannot deadlock), which makes seq order equal commit
   * order within a session. The locks are taken in a materialised CTE the insert joins against, so all
   * of them are held before the first seq is drawn.
   *
   * Retried only when the failure proves the statement did not commit: a retry after a lost commit
   * would store the batch twice under new seqs.
   */
  async appendEvents(events: NewEvent[]): Promise<StoredEvent[]> {
    if (events.length === 0) return [];
    const createdAt = this.clock.now();
    const sessionIds = events.map((e) => e.sessionId);
    const streamIds = events.map((e) => e.streamId);
    const messages = events.map((e) => JSON.stringify(e.message));
    const rows = await this.pool.run('if-not-committed', (sql) => sql<{ seq: string }[]>`
      WITH batch AS (
        SELECT b.session_id, b.stream_id, b.message, b.ord
          FROM unnest(${sessionIds}::text[], ${streamIds}::text[], ${messages}::text[])
               WITH ORDINALITY AS b (session_id, stream_id, message, ord)
      ), session_locks AS MATERIALIZED (
        SELECT count(pg_advisory_xact_lock(hashtext('continuum_event_order'), k.key)) AS held
          FROM (SELECT DISTINCT hashtext(session_id) AS key FROM batch ORDER BY key) AS k
      )
      INSERT INTO continuum_events (session_id, stream_id, message, created_at)
      SELECT batch.session_id, batch.stream_id, batch.message, ${createdAt}::bigint
        FROM batch CROSS JOIN session_locks
       ORDER BY batch.ord
      RETURNING seq`);
    // Seqs are drawn in insertion order (the ORDER BY above), so the i-th smallest belongs to events[i].
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    // The caller's message objects are returned as is: an equal value without a second JSON pass.
    return events.map((e, i) => ({ sessionId: e.sessionId, streamId: e.streamId, seq: seqs[i], message: e.message, createdAt }));
  }

  async getEvent(sessionId: string, seq: number): Promise<StoredEvent | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<EventRow[]>`
      SELECT seq, session_id, stream_id, message, created_at
        FROM continuum_events WHERE seq = ${seq}::bigint AND session_id = ${sessionId}`);
    return rows.length > 0 ? eventFromRow(rows[0]) : null;
  }

  async readEventsAfter(sessionId: string, streamId: string, afterSeq: number, limit?: number): Promise<StoredEvent[]> {
    // LIMIT NULL means no limit.
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    const rows = await this.pool.run('idempotent', (sql) => sql<EventRow[]>`
      SELECT seq, session_id, stream_id, message, created_at
        FROM continuum_events
       WHERE session_id = ${sessionId} AND stream_id = ${streamId} AND seq > ${afterSeq}::bigint
       ORDER BY seq
       LIMIT ${max}::bigint`);
    return rows.map(eventFromRow);
  }

  async pruneEvents(before: number): Promise<number> {
    // Retried even when in doubt: the state is the same; only the count may then be low.
    const result = await this.pool.run('idempotent', (sql) => sql`
      DELETE FROM continuum_events WHERE created_at < ${before}::bigint`);
    return result.count;
  }

  /**
   * The identity sequence's last value: the highest seq ever drawn, so it never goes back when the
   * newest events are pruned. It also counts seqs drawn by batches still in flight (or rolled back).
   */
  async maxSeq(): Promise<number> {
    const [row] = await this.pool.run('idempotent', (sql) => sql<{ seq: string }[]>`
      SELECT coalesce(pg_sequence_last_value(pg_get_serial_sequence('continuum_events', 'seq')::regclass), 0) AS seq`);
    return Number(row.seq);
  }

  async streamsWithEventsAfter(cursors: StreamCursor[]): Promise<StreamCursor[]> {
    if (cursors.length === 0) return [];
    const rows = await this.pool.run('idempotent', (sql) => sql<{ ord: string }[]>`
      SELECT c.ord
        FROM unnest(${cursors.map((c) => c.sessionId)}::text[], ${cursors.map((c) => c.streamId)}::text[], ${cursors.map((c) => c.afterSeq)}::bigint[])
             WITH ORDINALITY AS c (session_id, stream_id, after_seq, ord)
       WHERE EXISTS (SELECT 1 FROM continuum_events e
                      WHERE e.session_id = c.session_id AND e.stream_id = c.stream_id AND e.seq > c.after_seq)
       ORDER BY c.ord`);
    return rows.map((r) => cursors[Number(r.ord) - 1]);
  }
}
