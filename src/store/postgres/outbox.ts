import {
  SubscriberExists,
  type AttemptOutcome,
  type ClaimOptions,
  type NewOutboxMessage,
  type OutboxMessage,
  type OutboxStats,
  type OutboxStatus,
  type OutboxStore,
  type SubscriberKind,
  type SubscriberRecord,
  type SubscriberStatus,
} from '../outbox-port.js';
import {
  CLAIMABLE,
  newOutboxValues,
  OUTBOX_COLUMNS,
  outboxFromRow,
  SUBSCRIBER_COLUMNS,
  subscriberFromRow,
  subscriberToRow,
  type OutboxRow,
  type SubscriberRow,
} from '../outbox-rows.js';
import type { PostgresPool } from './pool.js';

type Patch = Parameters<OutboxStore['updateSubscriber']>[1];

/** Enqueues and claims run under one advisory lock: seq order is then commit order (identity values are
 * drawn at insert, not commit), so the head-of-line check never delivers a later message first. */
const LOCK = `SELECT pg_advisory_xact_lock(hashtextextended('continuum_outbox', 0))`;

export class PostgresOutboxStore implements OutboxStore {
  constructor(private readonly pool: PostgresPool) {}

  /** Idempotent by key (ON CONFLICT DO NOTHING), so a retry in doubt is harmless. */
  async enqueue(messages: NewOutboxMessage[]): Promise<OutboxMessage[]> {
    if (messages.length === 0) return [];
    return this.pool.run('idempotent', (sql) =>
      sql.begin(async (tx) => {
        await tx.unsafe(LOCK);
        const out: OutboxMessage[] = [];
        for (const m of messages) {
          const v = newOutboxValues(m);
          await tx`
            INSERT INTO continuum_outbox (idempotency_key, channel, order_key, incident_id, template, recipient, content, status, attempts,
              next_attempt_at, last_error, created_at, delivered_at)
            VALUES (${v.idempotency_key}, ${v.channel}, ${v.order_key}, ${v.incident_id}, ${v.template}, ${v.recipient}, ${v.content}, ${v.status},
              ${v.attempts}, ${v.next_attempt_at}, ${v.last_error}, ${v.created_at}, ${v.delivered_at})
            ON CONFLICT (idempotency_key) DO NOTHING`;
          const [row] = await tx<OutboxRow[]>`SELECT ${tx.unsafe(OUTBOX_COLUMNS)} FROM continuum_outbox WHERE idempotency_key = ${m.idempotencyKey}`;
          out.push(outboxFromRow(row));
        }
        return out;
      }),
    );
  }

  /** Not retried in doubt: a claim that did commit only delays its messages until the claim lapses. */
  async claimDue(o: ClaimOptions): Promise<OutboxMessage[]> {
    return this.pool.run('if-not-committed', (sql) =>
      sql.begin(async (tx) => {
        await tx.unsafe(LOCK);
        const until = o.now + o.leaseMs;
        const rows = await tx.unsafe<OutboxRow[]>(
          `UPDATE continuum_outbox SET claimed_by = $2, claimed_until = $3
            WHERE seq IN (SELECT o.seq FROM continuum_outbox o WHERE ${CLAIMABLE.replaceAll('$now', '$1').replace('$channels', '($5::text[] IS NULL OR o.channel = ANY($5::text[]))')} ORDER BY o.seq LIMIT $4)
            RETURNING ${OUTBOX_COLUMNS}`,
          [o.now, o.node, until, o.limit, o.channels ?? null],
        );
        return rows.map(outboxFromRow).sort((a, b) => a.seq - b.seq);
      }),
    );
  }

  async recordAttempt(seq: number, o: AttemptOutcome): Promise<boolean> {
    const r = await this.pool.run('if-not-committed', (sql) => sql`
      UPDATE continuum_outbox SET status = ${o.status}, attempts = ${o.attempts}, next_attempt_at = ${o.nextAttemptAt}, last_error = ${o.error},
        delivered_at = CASE WHEN ${o.status} = 'delivered' THEN ${o.at}::bigint ELSE delivered_at END, claimed_by = NULL, claimed_until = NULL
       WHERE seq = ${seq} AND claimed_by = ${o.node}`);
    return r.count === 1;
  }

  async releaseClaims(node: string): Promise<number> {
    const r = await this.pool.run('idempotent', (sql) => sql`UPDATE continuum_outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ${node}`);
    return r.count;
  }

  async get(seq: number): Promise<OutboxMessage | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<OutboxRow[]>`SELECT ${sql.unsafe(OUTBOX_COLUMNS)} FROM continuum_outbox WHERE seq = ${seq}`);
    return rows.length ? outboxFromRow(rows[0]) : null;
  }

  async findByKey(key: string): Promise<OutboxMessage | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<OutboxRow[]>`SELECT ${sql.unsafe(OUTBOX_COLUMNS)} FROM continuum_outbox WHERE idempotency_key = ${key}`);
    return rows.length ? outboxFromRow(rows[0]) : null;
  }

  async list(filter: { status?: OutboxStatus; incidentId?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    const status = filter.status ?? null;
    const incident = filter.incidentId ?? null;
    const rows = await this.pool.run('idempotent', (sql) => sql<OutboxRow[]>`
      SELECT ${sql.unsafe(OUTBOX_COLUMNS)} FROM continuum_outbox
       WHERE (${status}::text IS NULL OR status = ${status}) AND (${incident}::text IS NULL OR incident_id = ${incident})
       ORDER BY seq LIMIT ${filter.limit ?? 1000}`);
    return rows.map(outboxFromRow);
  }

  async stats(): Promise<OutboxStats[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<{ channel: string; status: string; count: string; oldest: string }[]>`
      SELECT channel, status, count(*) AS count, min(created_at) AS oldest FROM continuum_outbox
       GROUP BY channel, status ORDER BY channel COLLATE "C", status COLLATE "C"`);
    return rows.map((r) => ({ channel: r.channel, status: r.status as OutboxStatus, count: Number(r.count), oldest: Number(r.oldest) }));
  }

  async createSubscriber(s: SubscriberRecord): Promise<void> {
    const r = subscriberToRow(s);
    const inserted = await this.pool.run('idempotent', (sql) => sql`
      INSERT INTO continuum_subscribers (${sql.unsafe(SUBSCRIBER_COLUMNS)})
      VALUES (${r.id}, ${r.kind}, ${r.address}, ${r.components}, ${r.status}, ${r.confirm_hash}, ${r.unsubscribe_token}, ${r.created_at}, ${r.updated_at})
      ON CONFLICT DO NOTHING`);
    if (inserted.count === 1) return;
    // Nothing inserted: our own earlier attempt (a retry in doubt) or somebody else's row.
    const existing = await this.getSubscriber(s.id);
    if (existing) return;
    if (await this.findSubscriber(s.kind, s.address)) throw new SubscriberExists(s.kind, s.address);
    throw new Error(`subscriber ${s.id} was not stored (a token hash collided); retry`);
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<SubscriberRow[]>`SELECT ${sql.unsafe(SUBSCRIBER_COLUMNS)} FROM continuum_subscribers WHERE id = ${id}`);
    return rows.length ? subscriberFromRow(rows[0]) : null;
  }

  async findSubscriber(kind: SubscriberKind, address: string): Promise<SubscriberRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<SubscriberRow[]>`
      SELECT ${sql.unsafe(SUBSCRIBER_COLUMNS)} FROM continuum_subscribers WHERE kind = ${kind} AND address = ${address}`);
    return rows.length ? subscriberFromRow(rows[0]) : null;
  }

  async findSubscriberByHash(which: 'confirm' | 'unsubscribe', hash: string): Promise<SubscriberRecord | null> {
    const column = which === 'confirm' ? 'confirm_hash' : 'unsubscribe_token';
    const rows = await this.pool.run('idempotent', (sql) => sql<SubscriberRow[]>`
      SELECT ${sql.unsafe(SUBSCRIBER_COLUMNS)} FROM continuum_subscribers WHERE ${sql(column)} = ${hash}`);
    return rows.length ? subscriberFromRow(rows[0]) : null;
  }

  async updateSubscriber(id: string, patch: Patch): Promise<SubscriberRecord | null> {
    const current = await this.getSubscriber(id);
    if (!current) return null;
    const r = subscriberToRow({ ...current, ...patch });
    await this.pool.run('idempotent', (sql) => sql`
      UPDATE continuum_subscribers SET status = ${r.status}, components = ${r.components}, confirm_hash = ${r.confirm_hash},
        unsubscribe_token = ${r.unsubscribe_token}, updated_at = ${r.updated_at} WHERE id = ${id}`);
    return this.getSubscriber(id);
  }

  async listSubscribers(filter: { status?: SubscriberStatus } = {}): Promise<SubscriberRecord[]> {
    const status = filter.status ?? null;
    const rows = await this.pool.run('idempotent', (sql) => sql<SubscriberRow[]>`
      SELECT ${sql.unsafe(SUBSCRIBER_COLUMNS)} FROM continuum_subscribers WHERE (${status}::text IS NULL OR status = ${status})
       ORDER BY created_at, id COLLATE "C"`);
    return rows.map(subscriberFromRow);
  }
}
