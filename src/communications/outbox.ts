/**
 * The durable outbox: every message is committed (to the store, or to the node's local spool when the
 * store does not answer in time) before any send, then delivered at least once by the worker:
 *  - per (channel, incident) one message at a time, in commit order, so a receiver that was down gets
 *    an incident's messages in order after it recovers;
 *  - retried with exponential backoff (and the receiver's Retry-After) until delivered or given up
 *    after `giveUpAfter`;
 *  - each with an idempotency key, sent as webhook-id / Idempotency-Key / Message-ID, the same on
 *    every attempt, so a receiver dedupes a message redelivered after a crash mid-send;
 *  - per-channel rate limits (token buckets);
 *  - every attempt on the incident's timeline: the caller that waited for a first attempt records that
 *    one (IncidentService.recordPage), the worker records the rest.
 * Claims in the store are leases: a node that dies mid-send leaves its claim to lapse (or takes its
 * claims back when it restarts with the same node id), and the message is sent again, same key.
 */
import type { Clock } from '../core/clock.js';
import { randomId, type Random } from '../core/random.js';
import type { Logger } from '../log/index.js';
import { DuplicateControlEvent, type ControlEventStore } from '../store/control-port.js';
import type { NewOutboxMessage, OutboxMessage, OutboxStats, OutboxStatus, OutboxStore } from '../store/outbox-port.js';
import type { JsonObject } from '../store/port.js';
import type { Channel, Delivery } from './channels/channel.js';
import type { CommunicationsConfig } from './config.js';
import { RateLimiter } from './rate-limit.js';
import type { Draft } from './routing.js';
import { Spool, type SpoolEntry } from './spool.js';
import { withTimeout } from '../core/timeout.js';

export interface OutboxDeps {
  store: OutboxStore;
  events: ControlEventStore;
  channels: Channel[];
  clock: Clock;
  random: Random;
  nodeId: string;
  log: Logger;
  config: CommunicationsConfig['outbox'];
  rates: Record<string, { perSecond: number; burst: number }>;
  spoolPath: string;
  /** How long a commit may wait for the store before the message goes to the local spool. */
  storeTimeoutMs?: number;
}

export interface Committed {
  idempotencyKey: string;
  channel: string;
  /** Where it was committed. */
  in: 'store' | 'spool';
}

export interface QueueStatus {
  stats: OutboxStats[];
  spool: { pending: number; path: string };
  pending: OutboxMessage[];
  dead: OutboxMessage[];
}

const CLAIM_MARGIN_MS = 2_000;
const STORE_DOWN_BACKOFF_MS = 2_000;

/** The store's answer, or a rejection once it has not answered within ms. */
const timeout = <T>(p: Promise<T>, ms: number): Promise<T> => withTimeout(p, ms, 'the store did not answer');

export class Outbox {
  private readonly channels = new Map<string, Channel>();
  private readonly limiter: RateLimiter;
  readonly spool: Spool;
  private readonly waiters = new Map<string, { done: (d: Delivery) => void; started: () => void }>();
  private running = false;
  private stopped = false;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private kicked = false;
  private storeDownUntil = 0;
  private readonly inflight = new Set<Promise<unknown>>();
  /** Attempts in flight per channel (at most `batch` each). */
  private readonly busy = new Map<string, number>();

  constructor(private readonly d: OutboxDeps) {
    for (const c of d.channels) this.channels.set(c.name, c);
    this.limiter = new RateLimiter(d.clock);
    for (const [name, r] of Object.entries(d.rates)) this.limiter.set(name, r.perSecond, r.burst);
    this.spool = new Spool(d.spoolPath);
  }

  newKey(): string {
    return `msg_${randomId(this.d.random, 15)}`;
  }

  /** Commits messages: to the store, or when it does not answer in time, to the local spool. */
  async commit(drafts: (Draft & { idempotencyKey: string; incidentId: string | null; orderKey: string })[]): Promise<Committed[]> {
    if (drafts.length === 0) return [];
    const now = this.d.clock.now();
    const messages: NewOutboxMessage[] = drafts.map((x) => ({
      idempotencyKey: x.idempotencyKey,
      channel: x.channel,
      orderKey: x.orderKey,
      incidentId: x.incidentId,
      template: x.template,
      recipient: x.recipient,
      content: x.content,
      createdAt: now,
      nextAttemptAt: now,
    }));
    let where: 'store' | 'spool' = 'store';
    if (now < this.storeDownUntil) where = 'spool';
    else {
      try {
        await timeout(this.d.store.enqueue(messages), this.d.storeTimeoutMs ?? 1_000);
      } catch (err) {
        this.d.log.warn({ err }, 'outbox: the store did not take the messages; committing them to the local spool');
        this.storeDownUntil = this.d.clock.now() + STORE_DOWN_BACKOFF_MS;
        where = 'spool';
      }
    }
    if (where === 'spool') for (const m of messages) this.spool.add(m);
    // The worker starts with the control plane; a message committed before that (or without it, in
    // tests that drive the plane by hand) starts it.
    if (!this.running && !this.stopped) this.start();
    this.kick();
    return messages.map((m) => ({ idempotencyKey: m.idempotencyKey, channel: m.channel, in: where }));
  }

  /**
   * Waits for each message's first attempt: up to `startWithinMs` for it to start (after the commit),
   * then up to `withinMs` in all. A message not attempted in time (rate limited, behind an earlier
   * message to the same receiver, store slow) stays queued; its attempts go to the timeline from the
   * worker. Register before committing, await after.
   */
  async firstAttempts(keys: string[], withinMs: number, startWithinMs = 3_000): Promise<Map<string, Delivery | null>> {
    const out = new Map<string, Delivery | null>();
    await Promise.all(
      keys.map(
        (k) =>
          new Promise<void>((resolve) => {
            const give = () => {
              clearTimeout(all);
              clearTimeout(start);
              if (this.waiters.delete(k)) out.set(k, null);
              resolve();
            };
            const all = setTimeout(give, withinMs);
            const start = setTimeout(give, startWithinMs);
            this.waiters.set(k, {
              started: () => clearTimeout(start),
              done: (d) => {
                clearTimeout(all);
                clearTimeout(start);
                out.set(k, d);
                resolve();
              },
            });
          }),
      ),
    );
    return out;
  }

  channelTimeout(name: string): number {
    return this.channels.get(name)?.timeoutMs ?? this.d.config.timeout;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = (async () => {
      try {
        await timeout(this.d.store.releaseClaims(this.d.nodeId), this.d.storeTimeoutMs ?? 1_000);
      } catch (err) {
        this.d.log.warn({ err }, 'outbox: could not release claims from before a restart (they lapse on their own)');
      }
      while (this.running) {
        let worked = 0;
        try {
          worked = await this.runOnce();
        } catch (err) {
          this.d.log.warn({ err }, 'outbox: delivery round failed; retrying');
        }
        if (worked === 0 && this.running) await this.sleep(this.idleWait());
      }
    })();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    this.wake?.();
    await this.loop;
    this.loop = null;
    await Promise.allSettled([...this.inflight]);
    for (const c of this.channels.values()) await c.close?.();
    this.spool.close();
  }

  /** Wakes the worker (a message was committed). */
  kick(): void {
    this.kicked = true;
    this.wake?.();
  }

  /** One delivery round: spool, then each channel's due messages. Returns how many were attempted. */
  async runOnce(): Promise<number> {
    this.kicked = false;
    let attempted = await this.spoolRound();
    if (this.d.clock.now() >= this.storeDownUntil) {
      try {
        attempted += await this.storeRound();
      } catch (err) {
        this.storeDownUntil = this.d.clock.now() + STORE_DOWN_BACKOFF_MS;
        throw err;
      }
    }
    return attempted;
  }

  /** Resolves once attempts started so far have finished (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  async status(limit = 50): Promise<QueueStatus> {
    const [stats, pending, dead] = await Promise.all([this.d.store.stats(), this.d.store.list({ status: 'pending', limit }), this.d.store.list({ status: 'dead', limit })]);
    return { stats, spool: { pending: this.spool.unstored().length, path: this.spool.path }, pending, dead };
  }

  private idleWait(): number {
    let wait = this.d.config.interval;
    const now = this.d.clock.now();
    for (const name of this.channels.keys()) {
      const next = this.limiter.nextAt(name);
      if (next > now) wait = Math.min(wait, Math.max(5, next - now));
    }
    return wait;
  }

  private sleep(ms: number): Promise<void> {
    if (this.kicked) return Promise.resolve();
    return new Promise((resolve) => {
      const t = setTimeout(done, ms);
      t.unref();
      function done() {
        clearTimeout(t);
        resolve();
      }
      this.wake = () => {
        this.wake = null;
        done();
      };
    });
  }

  private async storeRound(): Promise<number> {
    const now = this.d.clock.now();
    let started = 0;
    // Channels without a rate limit are claimed together in one transaction (one commit for all of
    // them); a rate-limited channel claims on its own, no more than its bucket holds.
    const free = [...this.channels.keys()].filter((n) => this.limiter.available(n) === Infinity && (this.busy.get(n) ?? 0) < this.d.config.batch);
    const limited = [...this.channels.keys()].filter((n) => this.limiter.available(n) !== Infinity);
    const groups: { channels: string[]; limit: number }[] = [];
    if (free.length > 0) groups.push({ channels: free, limit: this.d.config.batch });
    for (const n of limited) groups.push({ channels: [n], limit: Math.min(this.limiter.available(n), this.d.config.batch - (this.busy.get(n) ?? 0)) });
    for (const g of groups) {
      if (g.limit < 1) continue;
      const leaseMs = Math.max(...g.channels.map((n) => this.channels.get(n)!.timeoutMs)) + CLAIM_MARGIN_MS;
      // Bounded: a store that hangs (a primary lost mid-query) must not hold up delivery from the spool;
      // a claim that lands after the timeout lapses after leaseMs and is claimed again.
      const claimed = await timeout(this.d.store.claimDue({ node: this.d.nodeId, now, leaseMs, limit: g.limit, channels: g.channels }), this.d.storeTimeoutMs ?? 1_000);
      for (const m of claimed) {
        const ch = this.channels.get(m.channel)!;
        this.limiter.take(ch.name);
        this.start1(ch.name, () => this.deliverStored(ch, m));
        started++;
      }
    }
    return started;
  }

  /** Runs one attempt in the background (the round goes on); its end wakes the worker for what follows. */
  private start1(channel: string, attempt: () => Promise<void>): void {
    this.busy.set(channel, (this.busy.get(channel) ?? 0) + 1);
    const work = attempt()
      .catch((err: unknown) => this.d.log.warn({ err, channel }, 'outbox: attempt failed unexpectedly'))
      .finally(() => {
        this.busy.set(channel, (this.busy.get(channel) ?? 1) - 1);
        this.kick();
      });
    this.track(work);
  }

  private async deliverStored(ch: Channel, m: OutboxMessage): Promise<void> {
    const attempt = m.attempts + 1;
    this.waiters.get(m.idempotencyKey)?.started();
    const delivery = await ch.send({ idempotencyKey: m.idempotencyKey, recipient: m.recipient, content: m.content, attempt });
    const next = this.next(m.createdAt, attempt, delivery);
    try {
      const held = await this.d.store.recordAttempt(m.seq, { node: this.d.nodeId, at: this.d.clock.now(), attempts: attempt, ...next });
      if (!held) this.d.log.warn({ key: m.idempotencyKey }, 'outbox: the claim lapsed before the attempt was recorded; another attempt may follow (receivers dedupe on the key)');
    } catch (err) {
      this.d.log.warn({ err, key: m.idempotencyKey }, 'outbox: could not record an attempt; the message will be attempted again');
    }
    this.report(m, attempt, delivery, next.status);
  }

  /** Moves spooled messages into the store when it answers; delivers the rest from the spool. */
  private async spoolRound(): Promise<number> {
    const unstored = this.spool.unstored();
    if (unstored.length === 0) return 0;
    if (this.d.clock.now() >= this.storeDownUntil) {
      const movable = unstored.filter((e) => !e.inFlight);
      try {
        await timeout(
          this.d.store.enqueue(movable.map((e) => ({ ...e.m, status: e.status, attempts: e.attempts, nextAttemptAt: e.nextAttemptAt, lastError: e.lastError, deliveredAt: e.deliveredAt }))),
          this.d.storeTimeoutMs ?? 1_000,
        );
        for (const e of movable) this.spool.stored(e.m.idempotencyKey);
        this.spool.compact();
        return 0;
      } catch {
        this.storeDownUntil = this.d.clock.now() + STORE_DOWN_BACKOFF_MS;
      }
    }
    const now = this.d.clock.now();
    const heads = new Set<string>();
    let started = 0;
    for (const e of unstored) {
      if (e.status !== 'pending') continue;
      const group = `${e.m.channel}\u0000${e.m.orderKey}`;
      if (heads.has(group)) continue;
      heads.add(group);
      const ch = this.channels.get(e.m.channel);
      if (!ch || e.inFlight || e.nextAttemptAt > now || !this.limiter.take(ch.name)) continue;
      e.inFlight = true;
      this.start1(ch.name, () => this.deliverSpooled(ch, e));
      started++;
    }
    return started;
  }

  private async deliverSpooled(ch: Channel, e: SpoolEntry): Promise<void> {
    try {
      const attempt = e.attempts + 1;
      this.waiters.get(e.m.idempotencyKey)?.started();
      const delivery = await ch.send({ idempotencyKey: e.m.idempotencyKey, recipient: e.m.recipient, content: e.m.content, attempt });
      const next = this.next(e.m.createdAt, attempt, delivery);
      this.spool.attempt(e.m.idempotencyKey, { attempts: attempt, at: this.d.clock.now(), ...next });
      this.report(e.m, attempt, delivery, next.status, false);
    } finally {
      e.inFlight = false;
    }
  }

  private next(createdAt: number, attempt: number, d: Delivery): { status: OutboxStatus; nextAttemptAt: number; error: string | null } {
    const now = this.d.clock.now();
    if (d.ok) return { status: 'delivered', nextAttemptAt: now, error: null };
    const error = d.error ?? (d.status ? `HTTP ${d.status}` : 'failed');
    if (now - createdAt >= this.d.config.giveUpAfter) return { status: 'dead', nextAttemptAt: now, error };
    const { initial, max } = this.d.config.backoff;
    const exp = Math.min(max, initial * 2 ** Math.min(attempt - 1, 30));
    // +-20 % jitter so receivers coming back are not hit by every node at once.
    const jitter = 0.8 + (Buffer.from(this.d.random.bytes(1))[0] / 255) * 0.4;
    const wait = Math.max(Math.round(exp * jitter), d.retryAfterMs ?? 0);
    return { status: 'pending', nextAttemptAt: now + wait, error };
  }

  /** Hands the first attempt to a waiting caller, or records the attempt on the incident's timeline. */
  private report(m: Pick<OutboxMessage, 'idempotencyKey' | 'incidentId' | 'channel' | 'template' | 'recipient'>, attempt: number, d: Delivery, status: OutboxStatus, storeUp = true): void {
    const waiter = this.waiters.get(m.idempotencyKey);
    if (waiter && attempt === 1) {
      this.waiters.delete(m.idempotencyKey);
      waiter.done(d);
      return;
    }
    if (!d.ok) this.d.log.warn({ key: m.idempotencyKey, channel: m.channel, attempt, error: d.error, status }, status === 'dead' ? 'outbox: message given up' : 'outbox: delivery failed; retrying with backoff');
    if (!m.incidentId || !storeUp) return;
    const result: JsonObject = { receiver: m.channel, ok: d.ok, attempt, ...(d.status ? { status: d.status } : {}), ...(d.error ? { error: d.error } : {}) };
    const data: JsonObject = {
      dedupKey: m.idempotencyKey,
      action: `attempt ${attempt}`,
      kind: status === 'dead' ? `${m.template}, given up` : m.template,
      results: [result],
      outbox: { idempotencyKey: m.idempotencyKey, channel: m.channel, template: m.template, recipient: m.recipient, status },
    };
    const work = this.d.events
      .appendToStream(`incident:${m.incidentId}`, [{ type: 'incident.page_sent', data, actor: `outbox:${this.d.nodeId}`, at: this.d.clock.now(), idempotencyKey: `outbox:${m.idempotencyKey}:${attempt}` }])
      .catch((err: unknown) => {
        if (!(err instanceof DuplicateControlEvent)) this.d.log.warn({ err, incident: m.incidentId }, 'outbox: could not record a delivery attempt on the timeline');
      });
    this.track(work);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inflight.add(p);
    void p.finally(() => this.inflight.delete(p)).catch(() => undefined);
    return p;
  }
}
