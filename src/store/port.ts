/**
 * The storage port. Everything above src/store talks to these interfaces only; the SQL for each engine
 * lives in its adapter (src/store/sqlite, src/store/postgres). Every method that returns resolves only
 * after the change is durably committed: callers acknowledge to clients after the promise resolves.
 */

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
}

export type StoreKind = 'sqlite' | 'postgres';

export interface Store {
  readonly kind: StoreKind;
  /** A description safe to log (no password). */
  readonly description: string;
  readonly sessions: SessionStore;
  readonly events: EventStore;
  /** Apply pending versioned migrations. Idempotent; safe to run from several nodes at once. */
  migrate(): Promise<void>;
  /** Resolves when the store answers a trivial query. */
  ping(): Promise<void>;
  /** The store's own clock (ms since epoch): heartbeats and leases use it, never a node's clock. */
  now(): Promise<number>;
  close(): Promise<void>;
}
