/** The control-plane sub-ports kept in process memory (tests of code above the port; not durable). */
import { chainEntry } from '../audit-chain.js';
import {
  DuplicateControlEvent,
  StreamVersionConflict,
  type ApiTokenRecord,
  type AppendOptions,
  type AuditEntry,
  type AuditStore,
  type ControlEvent,
  type ControlEventStore,
  type NewAuditEntry,
  type NewControlEvent,
  type TokenStore,
} from '../control-port.js';

export class MemoryTokenStore implements TokenStore {
  private readonly tokens: ApiTokenRecord[] = [];

  async createToken(t: ApiTokenRecord): Promise<void> {
    const clash = this.tokens.find((x) => x.id === t.id || x.secretHash === t.secretHash || (x.name === t.name && x.revokedAt === null && t.revokedAt === null));
    if (clash) throw new Error(`token ${t.id} (${t.name}) clashes with token ${clash.id} (${clash.name})`);
    this.tokens.push(structuredClone(t));
  }

  async findTokenByHash(secretHash: string): Promise<ApiTokenRecord | null> {
    const t = this.tokens.find((x) => x.secretHash === secretHash);
    return t ? structuredClone(t) : null;
  }

  async getToken(id: string): Promise<ApiTokenRecord | null> {
    const t = this.tokens.find((x) => x.id === id);
    return t ? structuredClone(t) : null;
  }

  async listTokens(): Promise<ApiTokenRecord[]> {
    return [...this.tokens].sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1)).map((t) => structuredClone(t));
  }

  async revokeToken(id: string, at: number, by: string): Promise<ApiTokenRecord | null> {
    const t = this.tokens.find((x) => x.id === id);
    if (!t) return null;
    if (t.revokedAt === null) {
      t.revokedAt = at;
      t.revokedBy = by;
    }
    return structuredClone(t);
  }
}

export class MemoryAuditStore implements AuditStore {
  /** The stored entries, as a table would hold them; tamper tests edit and delete them directly. */
  readonly rows: AuditEntry[] = [];

  async appendAudit(e: NewAuditEntry): Promise<AuditEntry> {
    const entry = chainEntry(this.rows.at(-1) ?? null, structuredClone(e));
    this.rows.push(entry);
    return structuredClone(entry);
  }

  async readAudit(afterPosition: number, limit = Number.MAX_SAFE_INTEGER): Promise<AuditEntry[]> {
    return this.rows.filter((r) => r.position > afterPosition).slice(0, limit).map((r) => structuredClone(r));
  }
}

export class MemoryControlEventStore implements ControlEventStore {
  private readonly events: ControlEvent[] = [];
  private seq = 0;

  async appendToStream(streamId: string, batch: NewControlEvent[], opts: AppendOptions = {}): Promise<ControlEvent[]> {
    if (batch.length === 0) return [];
    const current = this.events.filter((e) => e.streamId === streamId).length;
    if (opts.expectedVersion !== undefined && opts.expectedVersion !== current) throw new StreamVersionConflict(streamId, opts.expectedVersion);
    const keys = new Set<string>();
    for (const e of batch) {
      if (e.idempotencyKey === undefined) continue;
      if (keys.has(e.idempotencyKey) || this.events.some((x) => x.idempotencyKey === e.idempotencyKey)) {
        throw new DuplicateControlEvent(e.idempotencyKey);
      }
      keys.add(e.idempotencyKey);
    }
    const stored = batch.map((e, i): ControlEvent => ({
      seq: ++this.seq,
      streamId,
      version: current + i + 1,
      type: e.type,
      data: structuredClone(e.data),
      actor: e.actor,
      at: e.at,
      idempotencyKey: e.idempotencyKey ?? null,
    }));
    this.events.push(...stored);
    return stored.map((e) => structuredClone(e));
  }

  async readStream(streamId: string, afterVersion = 0): Promise<ControlEvent[]> {
    return this.events.filter((e) => e.streamId === streamId && e.version > afterVersion).map((e) => structuredClone(e));
  }

  async readAfter(afterSeq: number, limit = Number.MAX_SAFE_INTEGER): Promise<ControlEvent[]> {
    return this.events.filter((e) => e.seq > afterSeq).slice(0, limit).map((e) => structuredClone(e));
  }

  async findByIdempotencyKey(key: string): Promise<ControlEvent | null> {
    const e = this.events.find((x) => x.idempotencyKey === key);
    return e ? structuredClone(e) : null;
  }
}
