/**
 * The storage port. Everything above src/store talks to these interfaces only; the SQL for each engine
 * lives in its adapter (src/store/sqlite, src/store/postgres). Every method that returns resolves only
 * after the change is durably committed: callers acknowledge to clients after the promise resolves.
 */
import type { AuditStore, ControlEventStore, TokenStore } from './control-port.js';
import type { TaskStore } from './task-port.js';
import type { OutboxStore } from './outbox-port.js';

/** A JSON-RPC message as stored (opaque to the store). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** A 2025-era MCP session: everything needed to rebuild it on any node after a crash. */
export interface SessionRecord {
  /** Unguessable visible-ASCII id, sent as Mcp-Session-Id. */
  id: string;
  /** Negotiated protocol version (from the initialize result). */
  protocolVersion: string;
  /** The client's initialize request, replayed into a fresh server instance to rebuild the session. */
  initializeRequest: JsonObject;
  /** clientInfo from initialize, kept apart for listing. */
  clientInfo: JsonObject | null;
  /** Authenticated principal the session is bound to, or null when auth is off. */
  principal: string | null;
  /** Level set with logging/setLevel, or null when never set. */
  logLevel: string | null;
  /** Resource URIs the client subscribed to with resources/subscribe. */
  subscriptions: string[];
  /** Node that created the session. */
  createdBy: string;
  /** Milliseconds since epoch. */
  createdAt: number;
  /** Milliseconds since epoch; updated lazily (coalesced), used for idle expiry. */
  lastActiveAt: number;
  /** Bumped by every update; lets caches detect that another node changed the session. */
  version: number;
}

/** Fields of a session that change after creation. */
export interface SessionPatch {
  logLevel?: string | null;
  subscriptions?: string[];
}

/** One SSE event, committed before it is written to the wire. */
export interface StoredEvent {
  sessionId: string;
  /** The stream the event belongs to: 'standalone' for the GET stream, or 'req:<json request id>' for a POST's stream. */
  streamId: string;
  /** Store-assigned, strictly increasing across the whole store. The SSE event id is derived from it. */
  seq: number;
  message: JsonObject;
  createdAt: number;
}

export interface NewEvent {
  sessionId: string;
  streamId: string;
  message: JsonObject;
}

export interface SessionStore {
  /** Insert a new session. Rejects if the id exists. */
  createSession(session: SessionRecord): Promise<void>;
  /** The session, or null when it does not exist (never created, deleted or expired). */
  getSession(id: string): Promise<SessionRecord | null>;
  /** Apply a patch and bump version; returns the new record, or null when the session is gone. */
  updateSession(id: string, patch: SessionPatch): Promise<SessionRecord | null>;
  /** Record activity for many sessions at once (coalesced by the caller). Missing ids are ignored;
   * lastActiveAt never moves back (a late touch with an older `at` leaves it as it is). */
  touchSessions(ids: string[], at: number): Promise<void>;
  /** Delete a session and its events. Returns whether it existed. */
  deleteSession(id: string): Promise<boolean>;
  /** Delete sessions whose lastActiveAt is before `before`, with their events; returns their ids. */
  expireSessions(before: number): Promise<string[]>;
  countSessions(): Promise<number>;
}

export interface EventStore {
  /** Commit a batch of events in one transaction, assigning seq in order. Rejects, committing nothing,
   * if an event names a session that does not exist. */
  appendEvents(events: NewEvent[]): Promise<StoredEvent[]>;
  /** The event with this seq in this session, or null. */
  getEvent(sessionId: string, seq: number): Promise<StoredEvent | null>;
  /** Events of one stream of one session with seq > afterSeq, in seq order. */
  readEventsAfter(sessionId: string, streamId: string, afterSeq: number, limit?: number): Promise<StoredEvent[]>;
  /** Delete events created before `before` (retention). Returns how many. */
  pruneEvents(before: number): Promise<number>;
  /** The highest seq ever assigned in this store (0 when none); a fresh stream's priming id uses it. */
  maxSeq(): Promise<number>;
  /**
   * Of these stream positions, the ones with an event after them, in the order given: one round trip
   * for a node that re-reads all its connected streams (see SessionEngine.resync).
   */
  streamsWithEventsAfter(cursors: StreamCursor[]): Promise<StreamCursor[]>;
}

/** A position in one stream of one session: what a connection has had up to. */
export interface StreamCursor {
  sessionId: string;
  streamId: string;
  afterSeq: number;
}

/** A node as it registered itself; times are the store's, never the node's own clock. */
export interface NodeRecord {
  id: string;
  region: string;
  /** Where the node serves HTTP (its /mcp URL). */
  url: string;
  /** Store time of the first registration of this process (ms since epoch). */
  startedAt: number;
  /** Store time of the last heartbeat. */
  lastHeartbeat: number;
  /** Free-form state the node publishes with each heartbeat (draining, roles held, partition decision...). */
  state: JsonObject;
}

export interface NodeRegistry {
  /** Upserts the node with lastHeartbeat = store time (startedAt kept from the first call); returns store time. */
  heartbeat(node: { id: string; region: string; url: string; state: JsonObject }): Promise<number>;
  list(): Promise<NodeRecord[]>;
  /** Removes a node (clean shutdown). Returns whether it existed. */
  remove(id: string): Promise<boolean>;
}

/** A named lease; the epoch is a fencing token that grows every time the lease changes holder. */
export interface Lease {
  name: string;
  holder: string;
  epoch: number;
  /** Store time at which the lease lapses unless renewed. */
  expiresAt: number;
}

export interface LeaseStore {
  /**
   * Takes the lease for `holder` if it is free, lapsed (expiresAt <= store now) or already held by
   * `holder` (then it is renewed, same epoch). Taking it from another holder or from nobody increments
   * the epoch. One atomic statement using the store's clock. Returns the lease when `holder` holds it
   * afterwards, else null.
   */
  acquire(name: string, holder: string, ttlMs: number): Promise<Lease | null>;
  /** Extends the lease only if `holder` still holds it at `epoch` and it has not lapsed; else null. */
  renew(name: string, holder: string, epoch: number, ttlMs: number): Promise<Lease | null>;
  /** Gives the lease up (expiresAt = store now) if held by holder at epoch. */
  release(name: string, holder: string, epoch: number): Promise<void>;
  get(name: string): Promise<Lease | null>;
  /**
   * A fenced write: appends `record` to the lease's history only if `epoch` is the lease's current epoch
   * and the lease has not lapsed, in one transaction. Returns false (nothing written) for a stale epoch.
   * The history is what tests check fencing against.
   */
  fencedAppend(name: string, epoch: number, record: JsonObject): Promise<boolean>;
  /** The fenced writes of a lease, in commit order: { epoch, holder, record, at }. */
  history(name: string): Promise<{ epoch: number; holder: string; record: JsonObject; at: number }[]>;
}

/** One message between nodes. Bus messages are hints: the store stays the truth. */
export interface BusMessage {
  /** Strictly increasing within one subscription (SQLite: the bus table's seq; PostgreSQL and memory:
   * a per-subscriber or per-store counter). Not comparable across stores; not an event seq. */
  seq: number;
  channel: string;
  payload: JsonObject;
}

export interface MessageBus {
  /** Rejects with a RangeError, sending nothing, when JSON {channel, payload} is over
   * BUS_MAX_MESSAGE_BYTES (7999 UTF-8 bytes, PostgreSQL's NOTIFY limit) on every adapter: send ids, not
   * data. Delivery is best effort: a subscriber that is disconnected (PostgreSQL) or more than a minute
   * behind (SQLite) misses messages, so subscribers treat them as hints and re-read the store. */
  publish(channel: string, payload: JsonObject): Promise<void>;
  /**
   * Calls `handler` for every message published after the subscription started, by any process on this
   * store, in publish order per publisher. Resolves once listening; the returned function stops it.
   * `onGap` is called when messages may have been missed since (PostgreSQL: the LISTEN connection was
   * re-established, on the same server or on a new primary): the subscriber re-reads what it watches.
   */
  subscribe(handler: (message: BusMessage) => void, onGap?: () => void): Promise<() => Promise<void>>;
}

export type StoreKind = 'sqlite' | 'postgres';

export type * from './control-port.js';
export type * from './task-port.js';
export type * from './outbox-port.js';

export interface Store {
  readonly kind: StoreKind;
  /** A description safe to log (no password). */
  readonly description: string;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  /** API tokens of the admin API (control plane). */
  readonly tokens: TokenStore;
  /** The hash-chained audit log of operator actions. */
  readonly audit: AuditStore;
  /** The append-only control event log that incidents and later control-plane features derive from. */
  readonly controlEvents: ControlEventStore;
  readonly nodes: NodeRegistry;
  readonly leases: LeaseStore;
  readonly bus: MessageBus;
  /** Tasks of the tasks extension (long-running work started by task-augmented requests). */
  readonly tasks: TaskStore;
  /** The communications outbox and status-page subscribers (src/communications). */
  readonly outbox: OutboxStore;
  /** Apply pending versioned migrations. Idempotent; safe to run from several nodes at once. */
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /**
   * Whether this process's link to the store carries anything: false only when a fresh connection
   * got no answer at all within `timeoutMs` (packets dropped on the way: the link is cut). A slow store
   * still answers a fresh `SELECT 1`; a store that is down refuses at once; both are answers.
   */
  linkAlive(timeoutMs: number): Promise<boolean>;
  /** The store's own clock (ms since epoch): heartbeats and leases use it, never a node's clock. */
  now(): Promise<number>;
  close(): Promise<void>;
}
