import { systemClock, type Clock } from '../../core/clock.js';
import { MemoryAuditStore, MemoryControlEventStore, MemoryTokenStore } from './control.js';
import { MemoryMessageBus } from './bus.js';
import { MemoryLeaseStore } from './leases.js';
import { MemoryNodeRegistry } from './nodes.js';
import { MemoryTaskStore } from './tasks.js';
import { MemoryOutboxStore } from './outbox.js';
import type { EventStore, NewEvent, SessionPatch, SessionRecord, SessionStore, Store, StoredEvent } from '../port.js';

/**
 * A store that keeps everything in process memory. Nothing survives the process: it exists to measure
 * what durability costs (sessions.durable=false) and for unit tests of code above the port.
 */
export class MemoryStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly description = 'memory (not durable)';
  readonly tokens = new MemoryTokenStore();
  readonly audit = new MemoryAuditStore();
  readonly controlEvents = new MemoryControlEventStore();
  readonly nodes = new MemoryNodeRegistry();
  readonly leases = new MemoryLeaseStore();
  readonly bus = new MemoryMessageBus();
  readonly tasks = new MemoryTaskStore();
  readonly outbox = new MemoryOutboxStore();
  private readonly sessionMap = new Map<string, SessionRecord>();
  private eventList: StoredEvent[] = [];
  private seq = 0;

  constructor(private readonly clock: Clock = systemClock) {}

  readonly sessions: SessionStore = {
    createSession: async (s) => {
      if (this.sessionMap.has(s.id)) throw new Error(`session ${s.id} already exists`);
      this.sessionMap.set(s.id, structuredClone(s));
    },
    getSession: async (id) => {
      const s = this.sessionMap.get(id);
      return s ? structuredClone(s) : null;
    },
    updateSession: async (id, patch: SessionPatch) => {
      const s = this.sessionMap.get(id);
      if (!s) return null;
      if (patch.logLevel !== undefined) s.logLevel = patch.logLevel;
      if (patch.subscriptions !== undefined) s.subscriptions = [...patch.subscriptions];
      s.version += 1;
      return structuredClone(s);
    },
    touchSessions: async (ids, at) => {
      for (const id of ids) {
        const s = this.sessionMap.get(id);
        if (s && s.lastActiveAt < at) s.lastActiveAt = at;
      }
    },
    deleteSession: async (id) => {
      this.eventList = this.eventList.filter((e) => e.sessionId !== id);
      return this.sessionMap.delete(id);
    },
    expireSessions: async (before) => {
      const gone = [...this.sessionMap.values()].filter((s) => s.lastActiveAt < before).map((s) => s.id);
      for (const id of gone) await this.sessions.deleteSession(id);
      return gone;
    },
    countSessions: async () => this.sessionMap.size,
  };

  readonly events: EventStore = {
    appendEvents: async (events: NewEvent[]) => {
      const unknown = events.find((e) => !this.sessionMap.has(e.sessionId));
      if (unknown) throw new Error(`session ${unknown.sessionId} does not exist`);
      return events.map((e) => {
        const stored: StoredEvent = { ...e, seq: ++this.seq, createdAt: this.clock.now() };
        this.eventList.push(stored);
        return stored;
      });
    },
    getEvent: async (sessionId, seq) => this.eventList.find((e) => e.sessionId === sessionId && e.seq === seq) ?? null,
    readEventsAfter: async (sessionId, streamId, afterSeq, limit = Number.MAX_SAFE_INTEGER) =>
      this.eventList
        .filter((e) => e.sessionId === sessionId && e.streamId === streamId && e.seq > afterSeq)
        .slice(0, limit),
    pruneEvents: async (before) => {
      const n = this.eventList.length;
      this.eventList = this.eventList.filter((e) => e.createdAt >= before);
      return n - this.eventList.length;
    },
    // The counter, not the newest event: pruning never lowers it.
    maxSeq: async () => this.seq,
    streamsWithEventsAfter: async (cursors) =>
      cursors.filter((c) => this.eventList.some((e) => e.sessionId === c.sessionId && e.streamId === c.streamId && e.seq > c.afterSeq)),
  };

  async migrate(): Promise<void> {}
  async ping(): Promise<void> {}
  async linkAlive(): Promise<boolean> {
    return true;
  }
  /** This process is the store: its time is the machine's (the injected clock only stamps events). */
  async now(): Promise<number> {
    return Date.now();
  }
  async close(): Promise<void> {
    this.bus.close();
  }
}
