/**
 * The node's local incident journal: an append-only JSON-lines file, fsynced after every record, that
 * holds what detection saw and paged while the store may be unreachable. A signal is journaled before
 * anything else happens to it, so a store outage (or a crash) loses no incident and no page: entries
 * not yet reconciled into the store are replayed when it answers again.
 */
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Classified, Signal } from './signal.js';
import type { Page, PageResult } from './pager.js';

export type JournalRecord =
  | { t: 'signal'; id: string; at: number; node: string; signal: Signal; classified: Classified | null }
  | { t: 'page'; id: string; at: number; page: Page; results: PageResult[] }
  | { t: 'reconciled'; id: string; at: number; outcome: string; incident: string | null };

export type SignalRecord = Extract<JournalRecord, { t: 'signal' }>;
export type PageRecord = Extract<JournalRecord, { t: 'page' }>;

export class IncidentJournal {
  private fd: number | null = null;
  /** Length in bytes of the file's complete records, when it ends in a torn one (cut before appending). */
  private tornAt: number | null = null;
  /** Bytes of the file this instance has read or written: more on disk means another process appended. */
  private knownSize = 0;
  private readonly signals = new Map<string, SignalRecord>();
  private readonly pages = new Map<string, PageRecord[]>();
  private readonly reconciled = new Set<string>();

  constructor(readonly path: string) {
    this.load();
  }

  /** Writes one record and fsyncs it before returning. */
  append(record: JournalRecord): void {
    if (this.fd === null) {
      const created = !existsSync(this.path);
      mkdirSync(dirname(this.path), { recursive: true });
      if (this.tornAt !== null) {
        truncateSync(this.path, this.tornAt);
        this.knownSize = this.tornAt;
      }
      this.tornAt = null;
      this.fd = openSync(this.path, 'a', 0o600);
      if (created) fsyncDir(dirname(this.path));
    }
    const line = JSON.stringify(record) + '\n';
    writeSync(this.fd, line);
    this.knownSize += Buffer.byteLength(line);
    fsyncSync(this.fd);
    this.index(record);
  }

  /** Signals not yet reconciled into the store, oldest first. */
  pending(): SignalRecord[] {
    return [...this.signals.values()].filter((s) => !this.reconciled.has(s.id));
  }

  pagesOf(id: string): PageRecord[] {
    return this.pages.get(id) ?? [];
  }

  /** Empties the file once everything in it is in the store, so it stays small. Skipped when another
   * process sharing the file (nodes without a configured nodeId on one SQLite store) appended records
   * this instance has not read. */
  compact(): void {
    if (this.pending().length > 0 || this.fd === null || fstatSync(this.fd).size !== this.knownSize) return;
    ftruncateSync(this.fd, 0);
    fsyncSync(this.fd);
    this.knownSize = 0;
    this.signals.clear();
    this.pages.clear();
    this.reconciled.clear();
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
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
        this.index(JSON.parse(line) as JournalRecord);
      } catch (err) {
        // Only the last line can be torn (a crash mid-write, before its fsync returned): its signal was
        // never acknowledged to anyone, so dropping it loses nothing that was promised.
        if (i < lines.length - 2) throw new Error(`incident journal ${this.path} line ${i + 1} is not JSON: ${(err as Error).message}`, { cause: err });
      }
    }
  }

  private index(r: JournalRecord): void {
    if (r.t === 'signal') this.signals.set(r.id, r);
    else if (r.t === 'page') this.pages.set(r.id, [...(this.pages.get(r.id) ?? []), r]);
    else this.reconciled.add(r.id);
  }
}

/** Makes a new file's directory entry durable too. */
function fsyncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
