/**
 * The node's local outbox spool: messages committed while the store is unreachable, in an append-only
 * JSON-lines file fsynced after every record (as the incident journal is). The worker delivers from it
 * while the store is down and moves its messages into the store once the store answers; a restarted
 * node reloads it, so a message committed here is never lost with the process.
 */
import { JsonlFile } from '../core/jsonl-file.js';
import type { NewOutboxMessage, OutboxStatus } from '../store/outbox-port.js';

export type SpoolRecord =
  | { t: 'msg'; m: NewOutboxMessage }
  | { t: 'attempt'; key: string; attempts: number; status: OutboxStatus; nextAttemptAt: number; error: string | null; at: number }
  | { t: 'stored'; key: string };

export interface SpoolEntry {
  m: NewOutboxMessage;
  attempts: number;
  status: OutboxStatus;
  nextAttemptAt: number;
  lastError: string | null;
  deliveredAt: number | null;
  stored: boolean;
  inFlight: boolean;
}

export class Spool {
  private readonly file: JsonlFile<SpoolRecord>;
  /** In spool order (delivery order per channel and order key). */
  readonly entries = new Map<string, SpoolEntry>();

  constructor(readonly path: string) {
    this.file = new JsonlFile<SpoolRecord>(path, 'outbox spool', (r) => this.apply(r));
  }

  add(m: NewOutboxMessage): SpoolEntry {
    this.write({ t: 'msg', m });
    return this.entries.get(m.idempotencyKey)!;
  }

  attempt(key: string, r: Omit<Extract<SpoolRecord, { t: 'attempt' }>, 't' | 'key'>): void {
    this.write({ t: 'attempt', key, ...r });
  }

  stored(key: string): void {
    this.write({ t: 'stored', key });
  }

  /** Messages not yet moved into the store, in spool order. */
  unstored(): SpoolEntry[] {
    return [...this.entries.values()].filter((e) => !e.stored);
  }

  /** Empties the file once every message in it is in the store; not when another process sharing the
   * file (nodes without a nodeId on one machine) wrote records this one has not read. */
  compact(): void {
    if (this.unstored().length > 0 || !this.file.truncate()) return;
    this.entries.clear();
  }

  close(): void {
    this.file.close();
  }

  private write(r: SpoolRecord): void {
    this.file.append(r);
    this.apply(r);
  }

  private apply(r: SpoolRecord): void {
    if (r.t === 'msg') {
      if (!this.entries.has(r.m.idempotencyKey)) {
        this.entries.set(r.m.idempotencyKey, { m: r.m, attempts: 0, status: 'pending', nextAttemptAt: r.m.nextAttemptAt, lastError: null, deliveredAt: null, stored: false, inFlight: false });
      }
      return;
    }
    const e = this.entries.get(r.key);
    if (!e) return;
    if (r.t === 'stored') e.stored = true;
    else Object.assign(e, { attempts: r.attempts, status: r.status, nextAttemptAt: r.nextAttemptAt, lastError: r.error, deliveredAt: r.status === 'delivered' ? r.at : e.deliveredAt });
  }
}
