import type Database from 'better-sqlite3';
import { callHandler, encodeBusMessage } from '../bus-message.js';
import type { BusMessage, JsonObject, MessageBus } from '../port.js';
import { SQLITE_NOW_MS } from './clock.js';

export interface SqliteBusOptions {
  /** How often the poller looks for new messages (ms). */
  pollMs: number;
  /** Messages older than this are deleted (ms); a subscriber that falls further behind loses them. */
  retentionMs: number;
  /** How often a publishing store prunes old messages (ms). */
  pruneEveryMs: number;
}

export const SQLITE_BUS_DEFAULTS: SqliteBusOptions = { pollMs: 15, retentionMs: 60_000, pruneEveryMs: 10_000 };

interface BusRow {
  seq: number;
  channel: string;
  payload: string;
}

interface Subscriber {
  handler: (message: BusMessage) => void;
  /** Only messages with a higher seq are delivered: those published after the subscription started. */
  after: number;
  active: boolean;
}

/** Most rows one poll delivers before yielding to the event loop (it polls again at once if full). */
const POLL_BATCH = 500;

function prepare(db: Database.Database) {
  const insert = db.prepare<[string, string]>(
    `INSERT INTO continuum_bus (channel, payload, created_at) VALUES (?, ?, ${SQLITE_NOW_MS})`,
  );
  const prune = db.prepare<[number]>(`DELETE FROM continuum_bus WHERE created_at < ${SQLITE_NOW_MS} - ?`);
  return {
    // AUTOINCREMENT's counter rather than max(seq): right even once every row has been pruned.
    lastSeq: db
      .prepare<[], number>(`SELECT coalesce((SELECT seq FROM sqlite_sequence WHERE name = 'continuum_bus'), 0)`)
      .pluck(),
    after: db.prepare<[number, number], BusRow>(
      `SELECT seq, channel, payload FROM continuum_bus WHERE seq > ? ORDER BY seq LIMIT ?`,
    ),
    publish: db.transaction((channel: string, payload: string, pruneOlderThanMs: number | null) => {
      insert.run(channel, payload);
      if (pruneOlderThanMs !== null) prune.run(pruneOlderThanMs);
    }),
  };
}

/**
 * Bus over a table in the SQLite file. publish() inserts a row (seq from AUTOINCREMENT; BEGIN
 * IMMEDIATE serialises writers, so seq order is commit order and a poll for seq > last never skips a
 * row that commits later). Each store instance runs at most one poller, started by its first
 * subscriber and stopped with its last, shared by all its subscribers: every pollMs it reads rows
 * after the last one seen and delivers them in seq order. A publish from this store also triggers an
 * immediate poll, so local subscribers do not wait for the interval. Rows older than retentionMs are
 * pruned by publishers.
 */
export class SqliteMessageBus implements MessageBus {
  #statements?: ReturnType<typeof prepare>;
  private readonly subscribers = new Set<Subscriber>();
  private timer?: NodeJS.Timeout;
  private pollSoon = false;
  private cursor = 0;
  private lastPrune = 0;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly options: SqliteBusOptions = SQLITE_BUS_DEFAULTS,
  ) {}

  /** Prepared on first use, not in the constructor: the table exists only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async publish(channel: string, payload: JsonObject): Promise<void> {
    const encoded = encodeBusMessage(channel, payload);
    const now = Date.now();
    const prune = now - this.lastPrune >= this.options.pruneEveryMs;
    this.s.publish.immediate(channel, encoded.payload, prune ? this.options.retentionMs : null);
    if (prune) this.lastPrune = now;
    if (this.timer && !this.pollSoon) {
      this.pollSoon = true;
      setImmediate(() => {
        this.pollSoon = false;
        this.poll();
      });
    }
  }

  async subscribe(handler: (message: BusMessage) => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('store is closed');
    const start = this.s.lastSeq.get() as number;
    const subscriber: Subscriber = { handler, after: start, active: true };
    if (!this.timer) {
      this.cursor = start;
      this.timer = setInterval(() => this.poll(), this.options.pollMs);
      this.timer.unref();
    }
    this.subscribers.add(subscriber);
    return async () => {
      subscriber.active = false;
      this.subscribers.delete(subscriber);
      if (this.subscribers.size === 0) this.stopPolling();
    };
  }

  /** Stops the poller (the store is closing); no handler is called afterwards. */
  close(): void {
    this.closed = true;
    for (const subscriber of this.subscribers) subscriber.active = false;
    this.subscribers.clear();
    this.stopPolling();
  }

  private stopPolling(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  private poll(): void {
    if (!this.timer || this.closed || !this.db.open) return;
    let rows: BusRow[];
    try {
      rows = this.s.after.all(this.cursor, POLL_BATCH);
    } catch {
      // Transient (e.g. the file is briefly locked for WAL recovery): the next tick retries from the same cursor.
      return;
    }
    for (const row of rows) {
      this.cursor = row.seq;
      const targets = [...this.subscribers].filter((s) => s.active && row.seq > s.after);
      if (targets.length === 0) continue;
      const message: BusMessage = { seq: row.seq, channel: row.channel, payload: JSON.parse(row.payload) as JsonObject };
      // A handler may unsubscribe (itself or another): `active` is checked again for each call.
      for (const s of targets) if (s.active) callHandler(s.handler, message);
    }
    if (rows.length === POLL_BATCH) setImmediate(() => this.poll());
  }
}
