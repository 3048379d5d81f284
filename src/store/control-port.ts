/**
 * The control plane's sub-ports of the store: API tokens, the hash-chained audit log, and the
 * append-only control event log that incidents (and later communications, the status page and
 * metrics) are derived from. Kept apart from port.ts so the session ports stay readable; Store
 * exposes them as `tokens`, `audit` and `controlEvents`.
 */
import type { JsonObject } from './port.js';

export type TokenRole = 'admin' | 'responder' | 'viewer';

/** An API token as stored: only the SHA-256 of its secret, never the secret. */
export interface ApiTokenRecord {
  /** Public identifier (shown in lists and audit entries; safe to log). */
  id: string;
  /** Operator-chosen name; unique among tokens that are not revoked. */
  name: string;
  role: TokenRole;
  /** Lower-case hex SHA-256 of the secret. */
  secretHash: string;
  createdAt: number;
  createdBy: string;
  revokedAt: number | null;
  revokedBy: string | null;
}

export interface TokenStore {
  /** Rejects when the id or secret hash exists, or the name is taken by a token that is not revoked. */
  createToken(token: ApiTokenRecord): Promise<void>;
  /** The token whose secret hashes to this, revoked or not; null when none. */
  findTokenByHash(secretHash: string): Promise<ApiTokenRecord | null>;
  getToken(id: string): Promise<ApiTokenRecord | null>;
  /** Every token, revoked ones included, oldest first. */
  listTokens(): Promise<ApiTokenRecord[]>;
  /** Marks the token revoked; returns the updated record, or null when it does not exist. A token
   * already revoked keeps its first revocation. */
  revokeToken(id: string, at: number, by: string): Promise<ApiTokenRecord | null>;
}

/** What a caller records in the audit log; the store adds the chain fields. */
export interface NewAuditEntry {
  at: number;
  actor: string;
  role: string;
  action: string;
  target: string;
  details: JsonObject;
}

export interface AuditEntry extends NewAuditEntry {
  /** 1, 2, 3...: dense, assigned in the append transaction (not a sequence that can skip values), so a
   * missing position means a deleted entry. */
  position: number;
  /** Hash of the entry before this one (64 zeros for the first). */
  prevHash: string;
  /** sha-256 over this entry's canonical content, prevHash included (see auditEntryHash). */
  hash: string;
}

export interface AuditStore {
  /** Appends one entry after the current last one, computing position, prevHash and hash in the same
   * serialised transaction, so concurrent writers (several nodes) still form one chain. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Entries with position > afterPosition, in position order. */
  readAudit(afterPosition: number, limit?: number): Promise<AuditEntry[]>;
}

export interface NewControlEvent {
  type: string;
  data: JsonObject;
  /** Who caused it: 'token:<name>', 'cli:<user>', 'detector:<node>', 'timer:<node>'... */
  actor: string;
  /** When it happened (the caller's injected clock). */
  at: number;
  /** Makes the append idempotent: a second event with the same key is refused (DuplicateControlEvent). */
  idempotencyKey?: string;
}

export interface ControlEvent extends Required<Omit<NewControlEvent, 'idempotencyKey'>> {
  /** Store-wide, strictly increasing, and in commit order: a reader that saw seq n has seen every
   * event with a smaller seq (so projections can catch up with readAfter). */
  seq: number;
  streamId: string;
  /** 1, 2, 3... within the stream. */
  version: number;
  idempotencyKey: string | null;
}

export interface AppendOptions {
  /** The stream's current version (0 for a new stream); the append fails with StreamVersionConflict
   * when another writer appended first. Omit to append whatever the version. */
  expectedVersion?: number;
}

export interface ControlEventStore {
  /** Appends a batch to one stream atomically (all or nothing). */
  appendToStream(streamId: string, events: NewControlEvent[], opts?: AppendOptions): Promise<ControlEvent[]>;
  /** One stream's events with version > afterVersion, in order. */
  readStream(streamId: string, afterVersion?: number): Promise<ControlEvent[]>;
  /** Every stream's events with seq > afterSeq, in seq order (at most limit). */
  readAfter(afterSeq: number, limit?: number): Promise<ControlEvent[]>;
  /** The event appended with this idempotency key, or null. */
  findByIdempotencyKey(key: string): Promise<ControlEvent | null>;
}

/** Another writer appended to the stream since the caller read it: re-read and decide again. */
export class StreamVersionConflict extends Error {
  constructor(readonly streamId: string, readonly expectedVersion: number) {
    super(`stream ${streamId} moved past version ${expectedVersion}`);
    this.name = 'StreamVersionConflict';
  }
}

/** An event with this idempotency key is already stored: the operation it stands for has happened. */
export class DuplicateControlEvent extends Error {
  constructor(readonly idempotencyKey: string) {
    super(`an event with idempotency key ${idempotencyKey} is already stored`);
    this.name = 'DuplicateControlEvent';
  }
}
