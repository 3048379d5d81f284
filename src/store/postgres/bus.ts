import { callHandler, decodeBusMessage, encodeBusMessage } from '../bus-message.js';
import type { BusMessage, JsonObject, MessageBus } from '../port.js';
import type { PostgresPool, Sql } from './pool.js';
import { withRetry } from './retry.js';

/** The one NOTIFY channel every store on a database uses; bus channels travel inside the payload. */
export const PG_BUS_CHANNEL = 'continuum_bus';

interface Subscriber {
  handler: (message: BusMessage) => void;
  onGap?: () => void;
  /** Per-subscriber counter: NOTIFY has no global sequence, so seq numbers this subscriber's deliveries. */
  seq: number;
  active: boolean;
}

interface Pending {
  envelope: string;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** At most this many messages, or about this many bytes, per NOTIFY round trip. */
const BATCH_MAX = 500;
const BATCH_BYTES = 512 * 1024;

interface Listener {
  /** A postgres.js instance of our own (not the pool's), so replacing the pool does not drop it. */
  sql: Sql;
  /** The server it listens on (host:port), or null with a one-host URL. */
  host: string | null;
  stop(): Promise<void>;
}

/**
 * Bus over LISTEN/NOTIFY. publish() queues the message; the queue goes out in batches, one statement of
 * pg_notify() calls per round trip through the pool, one batch after the other, in publish order; and
 * PostgreSQL delivers notifications in commit order (and a transaction's in the order sent), so every
 * subscriber sees one publisher's messages in publish order.
 *
 * Each store instance holds at most one LISTEN connection, opened by its first subscriber and closed
 * with its last, shared by all its subscribers. postgres.js re-opens it and listens again by itself
 * when it drops; messages published while it is down are lost, not replayed. That is by design: bus
 * messages are hints, and subscribers re-read the store for the truth: each listen after the first
 * (postgres.js's reconnect, or a new primary) calls every subscriber's onGap.
 *
 * With several hosts the LISTEN connection is opened on the primary the pool writes to, and re-opened on
 * the new one when the pool finds that the primary moved (a failover): NOTIFY is delivered only to
 * listeners on the server it was sent to. The new listener is up before the old one is closed.
 *
 * The envelope {channel, payload} must stay under 8000 bytes (NOTIFY's limit); larger messages are
 * rejected before anything is sent (bus-message.ts).
 */
export class PostgresMessageBus implements MessageBus {
  private readonly subscribers = new Set<Subscriber>();
  private listener?: Promise<Listener>;
  /** Messages waiting to be sent, in publish order (see flush). */
  private readonly queue: Pending[] = [];
  private flushing = false;
  /** The flush under way (it sends everything queued before it ends, later publishes included). */
  private flushed: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(private readonly pool: PostgresPool) {
    pool.onPrimaryChange((host) => void this.follow(host));
  }

  /** The primary moved: listen on the new one (until that works or the bus closes), then stop the old. */
  private async follow(host: string): Promise<void> {
    const current = this.listener;
    if (!current || this.closed) return;
    const old = await current.catch(() => null);
    if (!old || old.host === null || old.host === host || this.listener !== current) return;
    for (;;) {
      const next = this.listen();
      this.listener = next;
      try {
        await next;
        this.gap();
        break;
      } catch {
        if (this.closed || this.listener !== next || this.subscribers.size === 0) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    await old.stop();
  }

  publish(channel: string, payload: JsonObject): Promise<void> {
    let envelope: string;
    try {
      envelope = encodeBusMessage(channel, payload).envelope;
    } catch (err) {
      return Promise.reject(err);
    }
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ envelope, resolve, reject });
      if (!this.flushing) this.flushed = this.flush();
    });
  }

  /**
   * Sends what is queued, in order, a batch per round trip: one NOTIFY per statement, one at a time,
   * could not keep up with a busy node (a few thousand messages a second), and hints queued behind a
   * backlog of tens of seconds are as good as lost. A batch is one statement (one transaction), and
   * PostgreSQL delivers a transaction's notifications in the order they were sent. It folds identical
   * notifications of one transaction into one, so a batch never holds the same envelope twice.
   */
  private async flush(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch: Pending[] = [];
        const seen = new Set<string>();
        let bytes = 0;
        while (this.queue.length > 0 && batch.length < BATCH_MAX && bytes < BATCH_BYTES && !seen.has(this.queue[0].envelope)) {
          const next = this.queue.shift()!;
          seen.add(next.envelope);
          bytes += next.envelope.length;
          batch.push(next);
        }
        const envelopes = batch.map((b) => b.envelope);
        try {
          // Not retried when in doubt: a NOTIFY that did commit would be delivered twice.
          await this.pool.run('if-not-committed', (sql) => sql`SELECT pg_notify(${PG_BUS_CHANNEL}, e) FROM unnest(${envelopes}::text[]) AS e`);
          for (const b of batch) b.resolve();
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.flushing = false;
    }
  }

  async subscribe(handler: (message: BusMessage) => void, onGap?: () => void): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('store is closed');
    // Counted before the first await, so a last unsubscribe meanwhile does not close the connection
    // this subscriber is about to rely on.
    const subscriber: Subscriber = { handler, onGap, seq: 0, active: true };
    this.subscribers.add(subscriber);
    const listener = (this.listener ??= this.listen());
    const unsubscribe = async (): Promise<void> => {
      if (!subscriber.active) return;
      subscriber.active = false;
      this.subscribers.delete(subscriber);
      // The listener may have been replaced since (the primary moved): close whichever is current.
      if (this.subscribers.size === 0 && this.listener) {
        const current = this.listener;
        this.listener = undefined;
        await current.then((l) => l.stop(), () => undefined);
      }
    };
    try {
      await listener;
    } catch (err) {
      await unsubscribe();
      if (this.listener === listener) this.listener = undefined;
      throw err;
    }
    return unsubscribe;
  }

  /** Stops delivery and closes the LISTEN connection (the store is closing). */
  async close(): Promise<void> {
    this.closed = true;
    for (const subscriber of this.subscribers) subscriber.active = false;
    this.subscribers.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.then((l) => l.stop(), () => undefined);
    await this.flushed;
  }

  /**
   * Opens a LISTEN connection, retrying connection failures within the pool's budget. Each attempt
   * uses a fresh postgres.js instance: one whose first LISTEN failed keeps the failure cached.
   */
  private listen(): Promise<Listener> {
    return withRetry(
      'idempotent',
      async () => {
        const { sql, host } = await this.pool.dedicated({
          max: 1,
          connection: { application_name: 'continuum-bus' },
          // Reconnect attempts (seconds) capped at 1 s: postgres.js's default grows to 20 s, which after
          // a restart of a few seconds leaves the bus deaf for several more.
          backoff: (attempt) => Math.min(1, 0.05 * 2 ** attempt) * (0.5 + Math.random() / 2),
        });
        let listens = 0;
        try {
          // onlisten runs after every LISTEN: the first, and each after postgres.js reconnected by itself.
          await sql.listen(PG_BUS_CHANNEL, (text) => this.deliver(text), () => {
            if (listens++ > 0) this.gap();
          });
        } catch (err) {
          await sql.end({ timeout: 0 }).catch(() => undefined);
          throw err;
        }
        return { sql, host, stop: () => sql.end({ timeout: 0 }).catch(() => undefined) };
      },
      { shouldStop: () => this.closed },
    );
  }

  /** Messages may have been published while no LISTEN was open: every subscriber re-reads the store. */
  private gap(): void {
    for (const subscriber of [...this.subscribers]) {
      if (!subscriber.active || !subscriber.onGap) continue;
      try {
        subscriber.onGap();
      } catch {
        // A subscriber's failure to catch up is its own; it must not stop the others.
      }
    }
  }

  private deliver(text: string): void {
    const decoded = decodeBusMessage(text);
    if (!decoded) return; // Not ours: something else notified on the channel.
    for (const subscriber of [...this.subscribers]) {
      if (!subscriber.active) continue;
      callHandler(subscriber.handler, { seq: ++subscriber.seq, channel: decoded.channel, payload: decoded.payload });
    }
  }
}
