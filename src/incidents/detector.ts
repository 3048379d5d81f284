/**
 * Detection's path from a signal to a page and an incident, built to work while the store is down:
 *   1. classify the signal (rules) and journal it locally (fsynced);
 *   2. page from the journal at once, with a dedup key every detecting node computes alike;
 *   3. record it in the store (open or join an incident), in the background, in journal order.
 * When step 3 fails the entry stays pending and `reconcile()` replays it once the store answers; the
 * journal's page records become the incident's page_sent events, so nothing is paged twice.
 */
import type { Actor } from '../access/roles.js';
import type { Clock } from '../core/clock.js';
import { randomId, type Random } from '../core/random.js';
import type { Logger } from '../log/index.js';
import type { RuleConfig } from './config.js';
import type { IncidentJournal, SignalRecord } from './journal.js';
import { moreSevere, type Severity } from './model.js';
import type { Page, Pager, PageResult } from './pager.js';
import type { IncidentService, IngestResult } from './service.js';
import { classify, signalDedupKey, type Classified, type Signal } from './signal.js';

export interface Detection {
  /** Journal entry id; null when no rule maps the signal (it is dropped and logged). */
  id: string | null;
  classified: Classified | null;
  /** Receivers' answers to the page sent before the store was touched (empty when none was due). */
  paged: PageResult[];
  /** Settles once the signal is in the store (or the attempt failed and it waits for reconcile). */
  stored: Promise<IngestResult | null>;
}

export interface DetectorDeps {
  journal: IncidentJournal;
  pager: Pager;
  service: IncidentService;
  rules: readonly RuleConfig[];
  clock: Clock;
  random: Random;
  nodeId: string;
  log: Logger;
}

export class Detector {
  /** Keys this node paged for, with the severity paged: a repeat pages again only when more severe. */
  private readonly paged = new Map<string, Severity>();
  private queue: Promise<unknown> = Promise.resolve();
  private readonly actor: Actor;

  constructor(private readonly d: DetectorDeps) {
    this.actor = { id: `detector:${d.nodeId}`, role: 'system' };
  }

  get pendingCount(): number {
    return this.d.journal.pending().length;
  }

  async signal(signal: Signal): Promise<Detection> {
    const classified = signal.resolved ? null : classify(signal, this.d.rules);
    if (!signal.resolved && !classified) {
      this.d.log.warn({ kind: signal.kind, key: signal.key }, 'no detection rule maps this signal to a severity; dropped');
      return { id: null, classified: null, paged: [], stored: Promise.resolve(null) };
    }
    // A recovered key pages afresh when it fails again (a new incident, not a repeat of the old one).
    if (signal.resolved) this.paged.delete(signal.key);
    const id = `${this.d.nodeId}:${randomId(this.d.random, 9)}`;
    this.d.journal.append({ t: 'signal', id, at: this.d.clock.now(), node: this.d.nodeId, signal, classified });
    let paged: PageResult[] = [];
    if (classified && this.duePage(signal.key, classified.severity)) {
      paged = await this.page(id, signal.key, this.signalPage(signal, classified));
    }
    const stored = this.enqueue(() => this.ingest(this.d.journal.pending().find((p) => p.id === id)));
    return { id, classified, paged, stored };
  }

  /** Replays journal entries not yet in the store; stops at the first failure (store still down). */
  reconcile(): Promise<{ reconciled: number; pending: number }> {
    return this.enqueue(async () => {
      let reconciled = 0;
      for (const entry of this.d.journal.pending()) {
        if (!(await this.ingest(entry))) break;
        reconciled++;
      }
      this.d.journal.compact();
      return { reconciled, pending: this.d.journal.pending().length };
    });
  }

  /** Waits for queued store work (shutdown and tests). */
  async idle(): Promise<void> {
    await this.queue.catch(() => undefined);
  }

  private async ingest(entry: SignalRecord | undefined): Promise<IngestResult | null> {
    if (!entry) return null; // reconciled meanwhile
    let result: IngestResult;
    try {
      result = await this.d.service.ingestSignal(entry.signal, entry.classified, { idempotencyKey: `journal:${entry.id}`, actor: this.actor });
    } catch (err) {
      this.d.log.warn({ err, entry: entry.id }, 'could not record a signal in the store; it stays in the journal');
      return null;
    }
    const incident = result.incident;
    if (incident) {
      const pages = this.d.journal.pagesOf(entry.id);
      for (const [i, p] of pages.entries()) {
        await this.d.service.recordPage(incident.id, p.page, p.results, this.actor, { at: p.at, idempotencyKey: `journal:${entry.id}:page:${i}` });
      }
      // Opened or raised without a page from this node (it had paged the key for an earlier incident).
      if ((result.outcome === 'opened' || result.outcome === 'raised') && pages.length === 0) {
        this.paged.set(entry.signal.key, incident.severity);
        this.d.service.pageLater(incident, this.d.service.pageFor(incident, 'trigger', 'incident'), this.actor);
      }
    }
    this.d.journal.append({ t: 'reconciled', id: entry.id, at: this.d.clock.now(), outcome: result.outcome, incident: incident?.id ?? null });
    return result;
  }

  private duePage(key: string, severity: Severity): boolean {
    const before = this.paged.get(key);
    return before === undefined || moreSevere(severity, before);
  }

  private async page(id: string, key: string, page: Page): Promise<PageResult[]> {
    const results = await this.d.pager.send(page);
    this.paged.set(key, page.severity);
    this.d.journal.append({ t: 'page', id, at: this.d.clock.now(), page, results });
    const failed = results.filter((r) => !r.ok);
    if (failed.length > 0) this.d.log.error({ failed, dedupKey: page.dedupKey }, 'page not delivered to every receiver');
    return results;
  }

  private signalPage(signal: Signal, c: Classified): Page {
    return {
      dedupKey: signalDedupKey(signal),
      action: 'trigger',
      kind: 'incident',
      incidentId: null,
      summary: c.title,
      severity: c.severity,
      mode: 'real',
      source: `continuum/${this.d.nodeId}`,
      component: signal.components[0] ?? null,
      details: { signal: signal.kind, key: signal.key, summary: signal.summary, labels: signal.labels, detectedBy: this.d.nodeId },
    };
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = this.queue.then(work, work);
    this.queue = run.catch(() => undefined);
    return run;
  }
}
