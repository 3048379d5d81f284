import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { repeat } from '../../core/repeat.js';
import { randomId, type Random } from '../../core/random.js';
import type { JsonRpcMessage, JsonRpcRequest, JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { BusMessage, JsonObject, SessionPatch, SessionRecord, Store, StoredEvent } from '../../store/port.js';
import { EventWriter } from './event-writer.js';
import { LiveSession, type SessionHost } from './live-session.js';
import type { StreamOutput } from './stream-output.js';
import type { ServerFactory } from './server-factory.js';
import type { DeliveryExtra } from './session-transport.js';
import type { TaskManager } from '../tasks/manager.js';
import { TASKS_FROM, withTasksCapability } from '../tasks/wire.js';

export interface SessionEngineOptions {
  store: Store;
  factory: ServerFactory;
  clock: Clock;
  random: Random;
  nodeId: string;
  log: Logger;
  idleTtlMs: number;
  liveIdleMs: number;
  maxLive: number;
  retentionMs: number;
  onEventsCommitted?: (count: number, seconds: number) => void;
  onSessionCreated?: () => void;
  onSessionRestored?: () => void;
  /** Cross-node hints travel on the store's bus (absent: this node is alone, e.g. durability off). */
  useBus?: boolean;
  /** Whether this node runs the store-wide sweeps now (the leader does); default always. */
  runsSweeps?: () => boolean;
  /** Runs task-augmented requests and answers tasks/* (absent: the tasks extension is not offered). */
  tasks?: TaskManager;
}

/** What nodes tell each other about sessions. Hints only: a receiver always re-reads the store. */
type SessionBusMessage =
  | { k: 'ev'; n: string; s: string; st: string; q: number }
  | { k: 'sess'; n: string; s: string; v: number }
  | { k: 'cm'; n: string; s: string; m: JsonObject }
  /** A client message too large for the bus: committed as an event of stream 'forward', sent by seq. */
  | { k: 'cmref'; n: string; s: string; q: number };

/** Bus messages must stay small (PostgreSQL NOTIFY takes < 8000 bytes); larger client messages go by reference. */
const INLINE_LIMIT = 4000;

const BUS_CHANNEL = 'sessions';

/**
 * Owns the 2025-era sessions of one node: creates them (committed before the initialize response),
 * finds them (in memory, or rebuilt from the store on any node), ends them (DELETE or idle expiry),
 * and releases in-memory server instances that are idle, so idle sessions cost only their store row.
 */
export class SessionEngine implements SessionHost {
  readonly live = new Map<string, LiveSession>();
  readonly events: EventWriter;
  private readonly loading = new Map<string, Promise<LiveSession | null>>();
  /** Sessions used since the last flush, with when (to the second: expiry needs no finer). */
  private readonly touched = new Map<string, number>();
  private loops: { stop(): void }[] = [];
  private unsubscribe?: () => Promise<void>;
  created = 0;
  restored = 0;

  constructor(private readonly o: SessionEngineOptions) {
    this.events = new EventWriter(o.store, o.onEventsCommitted);
  }

  get tasks(): TaskManager | undefined {
    return this.o.tasks;
  }

  /** Listens for other nodes' session hints; resolves once listening. */
  async listen(): Promise<void> {
    if (!this.o.useBus) return;
    this.events.watermark = Math.max(this.events.watermark, await this.o.store.events.maxSeq());
    this.unsubscribe = await this.o.store.bus.subscribe(
      (m) => this.onBus(m),
      () => this.resync('the bus reconnected'),
    );
  }

  /**
   * Writes to every connected stream the committed events it has not had. Hints are lost when the bus
   * drops, and when their publisher dies between committing an event and sending the hint (kill -9):
   * the node calls this then (bus gap, peer lost), so no committed event waits for a hint that never comes.
   */
  resync(reason: string): void {
    const connected: { live: LiveSession; output: StreamOutput }[] = [];
    for (const live of this.live.values()) for (const output of live.attachedOutputs()) connected.push({ live, output });
    if (connected.length === 0) return;
    // One round trip asks which streams are behind; only those are read (a node holds thousands).
    const cursors = connected.map(({ live, output }) => ({ sessionId: live.id, streamId: output.streamId, afterSeq: output.position }));
    this.o.store.events.streamsWithEventsAfter(cursors).then(
      (behind) => {
        const due = new Set(behind.map((c) => `${c.sessionId}\u0000${c.streamId}`));
        let pulled = 0;
        for (const { live, output } of connected) {
          if (!due.has(`${live.id}\u0000${output.streamId}`)) continue;
          pulled++;
          output.pull((after) => this.readEventsAfter(live.id, output.streamId, after)).catch((err: Error) => this.o.log.warn({ err: err.message, sessionId: live.id }, 'could not re-read a stream'));
        }
        if (pulled > 0) this.o.log.info({ streams: connected.length, behind: pulled }, `connected streams were behind: ${reason}`);
      },
      (err: Error) => this.o.log.warn({ err: err.message, streams: connected.length }, `could not re-read connected streams (${reason})`),
    );
  }

  /** Starts the background sweeps (eviction, touch flush, expiry, retention). */
  start(): void {
    // Each sweep waits for its previous run: a slow store never stacks sweeps up.
    const every = (ms: number, fn: () => Promise<unknown> | void) => {
      this.loops.push(repeat(ms, async () => fn(), (err) => this.o.log.warn({ err }, 'session sweep failed')));
    };
    every(Math.max(50, Math.min(1000, this.o.liveIdleMs / 2)), () => this.evictIdle());
    every(Math.min(10_000, Math.max(100, this.o.idleTtlMs / 10)), () => this.flushTouches());
    const sweeps = this.o.runsSweeps ?? (() => true);
    every(Math.min(60_000, Math.max(100, this.o.idleTtlMs / 10)), () => (sweeps() ? this.expireIdle() : undefined));
    every(Math.min(60_000, Math.max(1000, this.o.retentionMs / 10)), () =>
      sweeps() ? this.o.store.events.pruneEvents(this.o.clock.now() - this.o.retentionMs) : undefined,
    );
  }

  /**
   * Runs `initialize` on a fresh server instance and commits the session before the caller sends the
   * response. Returns the response (with the client's id) and the session when initialize succeeded.
   */
  async create(init: JsonRpcRequest, principal: string | null, extra: DeliveryExtra): Promise<{ session: LiveSession | null; response: JsonRpcResponse }> {
    const now = this.o.clock.now();
    const record: SessionRecord = {
      id: randomId(this.o.random),
      protocolVersion: '',
      initializeRequest: { jsonrpc: '2.0', method: 'initialize', params: (init.params ?? {}) as JsonObject },
      clientInfo: ((init.params as JsonObject | undefined)?.clientInfo as JsonObject | undefined) ?? null,
      principal,
      logLevel: null,
      subscriptions: [],
      createdBy: this.o.nodeId,
      createdAt: now,
      lastActiveAt: now,
      version: 1,
    };
    const session = new LiveSession(record, this, now);
    await session.connect(this.o.factory, extra);
    const result = await session.call('initialize', init.params, extra);
    const response: JsonRpcResponse = { ...result, id: init.id };
    if (result.error) {
      await session.close();
      return { session: null, response };
    }
    record.protocolVersion = String((result.result as { protocolVersion?: string }).protocolVersion ?? '');
    if (this.o.tasks && record.protocolVersion >= TASKS_FROM) withTasksCapability(result.result);
    await this.o.store.sessions.createSession(record);
    this.live.set(record.id, session);
    this.created++;
    this.o.onSessionCreated?.();
    this.evictOverflow();
    return { session, response };
  }

  /** The session for a request, or null (404): unknown, ended, expired, or bound to another principal. */
  async get(id: string, principal: string | null, extra: DeliveryExtra): Promise<LiveSession | null> {
    const cached = this.live.get(id);
    if (cached) {
      if (cached.record.principal !== principal) return null;
      this.use(cached);
      return cached;
    }
    let pending = this.loading.get(id);
    if (!pending) {
      pending = this.load(id, extra).finally(() => this.loading.delete(id));
      this.loading.set(id, pending);
    }
    const session = await pending;
    if (!session || session.record.principal !== principal) return null;
    this.use(session);
    return session;
  }

  async delete(id: string): Promise<boolean> {
    const live = this.live.get(id);
    this.live.delete(id);
    this.touched.delete(id);
    const existed = await this.o.store.sessions.deleteSession(id);
    this.publish({ k: 'sess', n: this.o.nodeId, s: id, v: -1 });
    await live?.close();
    return existed || live !== undefined;
  }

  /** The highest seq committed anywhere (read from the store): where a fresh stream starts. */
  async currentSeq(): Promise<number> {
    this.events.watermark = Math.max(this.events.watermark, await this.o.store.events.maxSeq());
    return this.events.watermark;
  }

  readEventsAfter(sessionId: string, streamId: string, afterSeq: number): Promise<StoredEvent[]> {
    return this.o.store.events.readEventsAfter(sessionId, streamId, afterSeq);
  }

  // SessionHost
  commit(sessionId: string, streamId: string, message: JsonRpcMessage): Promise<number> {
    return this.events.append({ sessionId, streamId, message: message as JsonObject }).then((e) => e.seq);
  }

  async persist(sessionId: string, patch: SessionPatch): Promise<void> {
    const updated = await this.o.store.sessions.updateSession(sessionId, patch);
    if (!updated) throw new Error('session no longer exists');
    const live = this.live.get(sessionId);
    if (live) live.record.version = updated.version;
    this.publish({ k: 'sess', n: this.o.nodeId, s: sessionId, v: updated.version });
  }

  unwritten(sessionId: string, streamId: string, seq: number): void {
    this.publish({ k: 'ev', n: this.o.nodeId, s: sessionId, st: streamId, q: seq });
  }

  forward(sessionId: string, message: JsonRpcMessage): void {
    if (JSON.stringify(message).length <= INLINE_LIMIT) {
      this.publish({ k: 'cm', n: this.o.nodeId, s: sessionId, m: message as JsonObject });
      return;
    }
    this.events.append({ sessionId, streamId: 'forward', message: message as JsonObject }).then(
      (e) => this.publish({ k: 'cmref', n: this.o.nodeId, s: sessionId, q: e.seq }),
      (err: Error) => this.o.log.warn({ err: err.message, sessionId }, 'could not forward a client message'),
    );
  }

  private publish(message: SessionBusMessage): void {
    if (!this.o.useBus) return;
    this.o.store.bus.publish(BUS_CHANNEL, message as unknown as JsonObject).catch((err: Error) => this.o.log.warn({ err: err.message }, 'bus publish failed'));
  }

  /** Never throws: a throwing bus handler would take the process down. */
  private onBus(message: BusMessage): void {
    try {
      this.handleBus(message);
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message }, 'bad bus message');
    }
  }

  private handleBus(message: BusMessage): void {
    if (message.channel !== BUS_CHANNEL) return;
    const m = message.payload as unknown as SessionBusMessage;
    if (m.n === this.o.nodeId) return;
    const live = this.live.get(m.s);
    if (!live) return;
    switch (m.k) {
      case 'ev': {
        const output = live.output(m.st);
        // A failed read leaves the stream behind until the next hint or resync; never an unhandled rejection.
        if (output?.attached) output.pull((after) => this.readEventsAfter(m.s, m.st, after)).catch((err: Error) => this.o.log.warn({ err: err.message, sessionId: m.s }, 'could not read a stream'));
        return;
      }
      case 'sess':
        if (m.v === -1) {
          this.live.delete(m.s);
          void live.close();
        } else if (m.v > live.record.version) {
          void this.o.store.sessions.getSession(m.s).then((record) => (record ? live.applyRemote(record) : undefined));
        }
        return;
      case 'cm':
        live.deliverForwarded(m.m as never);
        return;
      case 'cmref':
        void this.o.store.events.getEvent(m.s, m.q).then((e) => (e ? live.deliverForwarded(e.message as never) : undefined)).catch(() => undefined);
        return;
    }
  }

  dropped(sessionId: string, message: JsonRpcMessage, reason: string): void {
    this.o.log.debug({ sessionId, method: message.method, id: message.id }, `dropped server message: ${reason}`);
  }

  /** Ends every stream with a reconnect hint; work in flight continues (graceful drain). */
  detachAll(retryMs: number): void {
    for (const s of this.live.values()) s.detachStreams(retryMs);
  }

  async close(): Promise<void> {
    for (const l of this.loops) l.stop();
    this.loops = [];
    await this.unsubscribe?.();
    await this.events.drain();
    await this.flushTouches();
    const sessions = [...this.live.values()];
    this.live.clear();
    await Promise.allSettled(sessions.map((s) => s.close()));
  }

  private async load(id: string, extra: DeliveryExtra): Promise<LiveSession | null> {
    const record = await this.o.store.sessions.getSession(id);
    if (!record) return null;
    const now = this.o.clock.now();
    if (record.lastActiveAt < now - this.o.idleTtlMs) {
      await this.o.store.sessions.deleteSession(id);
      return null;
    }
    const session = new LiveSession(record, this, now);
    await session.connect(this.o.factory, extra);
    await session.restore(extra);
    this.live.set(id, session);
    this.restored++;
    this.o.onSessionRestored?.();
    this.evictOverflow();
    return session;
  }

  private use(session: LiveSession): void {
    session.lastUsed = this.o.clock.now();
    this.touched.set(session.id, Math.floor(session.lastUsed / 1000) * 1000);
  }

  async flushTouches(): Promise<void> {
    if (this.touched.size === 0) return;
    const bySecond = new Map<number, string[]>();
    for (const [id, at] of this.touched) bySecond.set(at, [...(bySecond.get(at) ?? []), id]);
    this.touched.clear();
    for (const [at, ids] of bySecond) await this.o.store.sessions.touchSessions(ids, at);
  }

  async expireIdle(): Promise<void> {
    await this.flushTouches();
    const gone = await this.o.store.sessions.expireSessions(this.o.clock.now() - this.o.idleTtlMs);
    for (const id of gone) {
      const live = this.live.get(id);
      this.live.delete(id);
      await live?.close();
    }
    if (gone.length) this.o.log.info({ count: gone.length }, 'expired idle sessions');
  }

  /** Releases server instances of sessions idle longer than liveIdle; the sessions stay in the store. */
  evictIdle(): void {
    const cutoff = this.o.clock.now() - this.o.liveIdleMs;
    for (const [id, s] of this.live) {
      if (s.lastUsed < cutoff && !s.busy) {
        this.live.delete(id);
        void s.close();
      }
    }
  }

  private evictOverflow(): void {
    if (this.live.size <= this.o.maxLive) return;
    for (const [id, s] of this.live) {
      if (this.live.size <= this.o.maxLive) break;
      if (!s.busy) {
        this.live.delete(id);
        void s.close();
      }
    }
  }
}
