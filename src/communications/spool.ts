/**
 * The node's local outbox spool: messages committed while the store is unreachable, in an append-only
 * JSON-lines file fsynced after every record (as the incident journal is). The worker delivers from it
 * while the store is down and moves its messages into the store once the store answers; a restarted
 * node reloads it, so a message committed here is never lost with the process.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
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
  private fd: number | null = null;
  /** Bytes this instance has read or written: more on disk means another process shares the file. */
  private knownSize = 0;
  /** Length of the complete records when the file ends in a torn one (cut off before appending). */
  private tornAt: number | null = null;
  /** In spool order (delivery order per channel and order key). */
  readonly entries = new Map<string, SpoolEntry>();

  constructor(readonly path: string) {
    this.load();
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
    if (this.fd === null || this.unstored().length > 0 || fstatSync(this.fd).size !== this.knownSize) return;
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.knownSize = 0;
    this.entries.clear();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private write(r: SpoolRecord): void {
    if (this.fd === null) {
      mkdirSync(dirname(this.path), { recursive: true });
      if (this.tornAt !== null) {
        truncateSync(this.path, this.tornAt);
        this.knownSize = this.tornAt;
        this.tornAt = null;
      }
      this.fd = openSync(this.path, 'a', 0o600);
    }
    const line = JSON.stringify(r) + '\n';
    writeSync(this.fd, line);
    this.knownSize += Buffer.byteLength(line);
    fsyncSync(this.fd);
    this.apply(r);
  }

  private load(): void {
    if (!existsSync(this.path)) return;
    const text = readFileSync(this.path, 'utf8');
    this.knownSize = Buffer.byteLength(text);
    if (text.length > 0 && !text.endsWith('\n')) this.tornAt = Buffer.byteLength(text.slice(0, text.lastIndexOf('\n') + 1));
    const lines = text.split('\n');
    for (const [i, line] of lines.entries()) {
      if (line.trim() === '') continue;
      try {
        this.apply(JSON.parse(line) as SpoolRecord);
      } catch (err) {
        // Only a last line cut by a crash can be torn; its message was never handed to anyone.
        if (i < lines.length - 2) throw new Error(`outbox spool ${this.path} line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
      }
    }
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
