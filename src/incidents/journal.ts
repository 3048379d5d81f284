/**
 * The node's local incident journal: an append-only JSON-lines file, fsynced after every record, that
 * holds what detection saw and paged while the store may be unreachable. A signal is journaled before
 * anything else happens to it, so a store outage (or a crash) loses no incident and no page: entries
 * not yet reconciled into the store are replayed when it answers again.
 */
import { JsonlFile } from '../core/jsonl-file.js';
import type { Classified, Signal } from './signal.js';
import type { Page, PageResult } from './pager.js';

export type JournalRecord =
  | { t: 'signal'; id: string; at: number; node: string; signal: Signal; classified: Classified | null }
  | { t: 'page'; id: string; at: number; page: Page; results: PageResult[] }
  | { t: 'reconciled'; id: string; at: number; outcome: string; incident: string | null };

export type SignalRecord = Extract<JournalRecord, { t: 'signal' }>;
export type PageRecord = Extract<JournalRecord, { t: 'page' }>;

export class IncidentJournal {
  private readonly file: JsonlFile<JournalRecord>;
  private readonly signals = new Map<string, SignalRecord>();
  private readonly pages = new Map<string, PageRecord[]>();
  private readonly reconciled = new Set<string>();

  constructor(readonly path: string) {
    this.file = new JsonlFile<JournalRecord>(path, 'incident journal', (r) => this.index(r));
  }

  /** Writes one record and fsyncs it before returning. */
  append(record: JournalRecord): void {
    this.file.append(record);
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
    if (this.pending().length > 0 || !this.file.truncate()) return;
    this.signals.clear();
    this.pages.clear();
    this.reconciled.clear();
  }

  close(): void {
    this.file.close();
  }

  private index(r: JournalRecord): void {
    if (r.t === 'signal') this.signals.set(r.id, r);
    else if (r.t === 'page') this.pages.set(r.id, [...(this.pages.get(r.id) ?? []), r]);
    else this.reconciled.add(r.id);
  }
}
