import type Database from 'better-sqlite3';
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

type Patch = Parameters<OutboxStore['updateSubscriber']>[1];

function prepare(db: Database.Database) {
  const byKey = db.prepare<[string], OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM continuum_outbox WHERE idempotency_key = ?`);
  const insert = db.prepare(
    `INSERT INTO continuum_outbox (idempotency_key, channel, order_key, incident_id, template, recipient, content, status, attempts,
       next_attempt_at, last_error, created_at, delivered_at)
     VALUES (@idempotency_key, @channel, @order_key, @incident_id, @template, @recipient, @content, @status, @attempts,
       @next_attempt_at, @last_error, @created_at, @delivered_at)
     ON CONFLICT (idempotency_key) DO NOTHING`,
  );
  const claimable = db.prepare<[{ now: number; limit: number; channels: string | null }], OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM continuum_outbox o
      WHERE ${CLAIMABLE.replace('$channels', '($channels IS NULL OR o.channel IN (SELECT value FROM json_each($channels)))')} ORDER BY o.seq LIMIT $limit`,
  );
  const claim = db.prepare<[string, number, number]>(`UPDATE continuum_outbox SET claimed_by = ?, claimed_until = ? WHERE seq = ?`);
  const attempt = db.prepare(
    `UPDATE continuum_outbox SET status = @status, attempts = @attempts, next_attempt_at = @next, last_error = @error,
       delivered_at = CASE WHEN @status = 'delivered' THEN @at ELSE delivered_at END, claimed_by = NULL, claimed_until = NULL
     WHERE seq = @seq AND claimed_by = @node`,
  );
  const release = db.prepare<[string]>(`UPDATE continuum_outbox SET claimed_by = NULL, claimed_until = NULL WHERE claimed_by = ?`);
  const get = db.prepare<[number], OutboxRow>(`SELECT ${OUTBOX_COLUMNS} FROM continuum_outbox WHERE seq = ?`);
  const list = db.prepare<[{ status: string | null; incident: string | null; limit: number }], OutboxRow>(
    `SELECT ${OUTBOX_COLUMNS} FROM continuum_outbox WHERE ($status IS NULL OR status = $status) AND ($incident IS NULL OR incident_id = $incident)
     ORDER BY seq LIMIT $limit`,
  );
  const stats = db.prepare<[], { channel: string; status: string; count: number; oldest: number }>(
    `SELECT channel, status, count(*) AS count, min(created_at) AS oldest FROM continuum_outbox GROUP BY channel, status ORDER BY channel, status`,
  );
  const subInsert = db.prepare<[SubscriberRow]>(
    `INSERT INTO continuum_subscribers (${SUBSCRIBER_COLUMNS}) VALUES (@id, @kind, @address, @components, @status, @confirm_hash,
       @unsubscribe_token, @created_at, @updated_at)`,
  );
  const subGet = db.prepare<[string], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM continuum_subscribers WHERE id = ?`);
  const subFind = db.prepare<[string, string], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM continuum_subscribers WHERE kind = ? AND address = ?`);
  const subByConfirm = db.prepare<[string], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM continuum_subscribers WHERE confirm_hash = ?`);
  const subByUnsub = db.prepare<[string], SubscriberRow>(`SELECT ${SUBSCRIBER_COLUMNS} FROM continuum_subscribers WHERE unsubscribe_token = ?`);
  const subUpdate = db.prepare<[SubscriberRow]>(
    `UPDATE continuum_subscribers SET status = @status, components = @components, confirm_hash = @confirm_hash,
       unsubscribe_token = @unsubscribe_token, updated_at = @updated_at WHERE id = @id`,
  );
  const subList = db.prepare<[{ status: string | null }], SubscriberRow>(
    `SELECT ${SUBSCRIBER_COLUMNS} FROM continuum_subscribers WHERE ($status IS NULL OR status = $status) ORDER BY created_at, id`,
  );
  return {
    get,
    byKey,
    list,
    stats,
    release,
    attempt,
    subInsert,
    subGet,
    subFind,
    subByConfirm,
    subByUnsub,
    subList,
    enqueue: db.transaction((messages: NewOutboxMessage[]): OutboxRow[] =>
      messages.map((m) => {
        insert.run(newOutboxValues(m));
        return byKey.get(m.idempotencyKey)!;
      }),
    ),
    // Under BEGIN IMMEDIATE no other process claims between the select and the update.
    claim: db.transaction((o: ClaimOptions): OutboxRow[] => {
      const rows = claimable.all({ now: o.now, limit: o.limit, channels: o.channels ? JSON.stringify(o.channels) : null });
      const until = o.now + o.leaseMs;
      for (const r of rows) claim.run(o.node, until, Number(r.seq));
      return rows.map((r) => ({ ...r, claimed_by: o.node, claimed_until: until }));
    }),
    subUpdate: db.transaction((id: string, patch: Patch): SubscriberRow | undefined => {
      const row = subGet.get(id);
      if (!row) return undefined;
      const current = subscriberFromRow(row);
      const next = subscriberToRow({ ...current, ...patch });
      subUpdate.run(next);
      return next;
    }),
  };
}

export class SqliteOutboxStore implements OutboxStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use: the tables exist only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async enqueue(messages: NewOutboxMessage[]): Promise<OutboxMessage[]> {
    if (messages.length === 0) return [];
    return this.s.enqueue.immediate(messages).map(outboxFromRow);
  }

  async claimDue(opts: ClaimOptions): Promise<OutboxMessage[]> {
    return this.s.claim.immediate(opts).map(outboxFromRow);
  }

  async recordAttempt(seq: number, o: AttemptOutcome): Promise<boolean> {
    const r = this.s.attempt.run({ seq, node: o.node, status: o.status, attempts: o.attempts, next: o.nextAttemptAt, error: o.error, at: o.at });
    return r.changes === 1;
  }

  async releaseClaims(node: string): Promise<number> {
    return this.s.release.run(node).changes;
  }

  async get(seq: number): Promise<OutboxMessage | null> {
    const row = this.s.get.get(seq);
    return row ? outboxFromRow(row) : null;
  }

  async findByKey(key: string): Promise<OutboxMessage | null> {
    const row = this.s.byKey.get(key);
    return row ? outboxFromRow(row) : null;
  }

  async list(filter: { status?: OutboxStatus; incidentId?: string; limit?: number } = {}): Promise<OutboxMessage[]> {
    return this.s.list.all({ status: filter.status ?? null, incident: filter.incidentId ?? null, limit: filter.limit ?? 1000 }).map(outboxFromRow);
  }

  async stats(): Promise<OutboxStats[]> {
    return this.s.stats.all().map((r) => ({ channel: r.channel, status: r.status as OutboxStatus, count: Number(r.count), oldest: Number(r.oldest) }));
  }

  async createSubscriber(s: SubscriberRecord): Promise<void> {
    try {
      this.s.subInsert.run(subscriberToRow(s));
    } catch (err) {
      if ((err as { code?: string }).code?.startsWith('SQLITE_CONSTRAINT') && this.s.subFind.get(s.kind, s.address)) throw new SubscriberExists(s.kind, s.address);
      throw err;
    }
  }

  async getSubscriber(id: string): Promise<SubscriberRecord | null> {
    const row = this.s.subGet.get(id);
    return row ? subscriberFromRow(row) : null;
  }

  async findSubscriber(kind: SubscriberKind, address: string): Promise<SubscriberRecord | null> {
    const row = this.s.subFind.get(kind, address);
    return row ? subscriberFromRow(row) : null;
  }

  async findSubscriberByHash(which: 'confirm' | 'unsubscribe', hash: string): Promise<SubscriberRecord | null> {
    const row = (which === 'confirm' ? this.s.subByConfirm : this.s.subByUnsub).get(hash);
    return row ? subscriberFromRow(row) : null;
  }

  async updateSubscriber(id: string, patch: Patch): Promise<SubscriberRecord | null> {
    const row = this.s.subUpdate.immediate(id, patch);
    return row ? subscriberFromRow(row) : null;
  }

  async listSubscribers(filter: { status?: SubscriberStatus } = {}): Promise<SubscriberRecord[]> {
    return this.s.subList.all({ status: filter.status ?? null }).map(subscriberFromRow);
  }
}
