/**
 * A minimal pager: POSTs each page to the configured receivers, once, with a timeout. Pages carry a
 * dedup key so receivers (PagerDuty) merge pages from several nodes into one alert. The communications
 * work replaces this with a durable outbox; everything else sees only the Pager interface.
 */
import type { JsonObject } from '../store/port.js';
import type { ReceiverConfig } from './config.js';
import type { IncidentMode, Severity } from './model.js';

export interface Page {
  dedupKey: string;
  /** trigger opens or updates the receiver's alert, acknowledge and resolve close it. */
  action: 'trigger' | 'acknowledge' | 'resolve';
  /** incident: a new or more severe incident; escalation: nobody acknowledged in time; reminder: a
   * cadence reminder (webhooks only: it must not open a PagerDuty alert); update: a status change or
   * message (communications' update template; paging receivers do not get it). */
  kind: 'incident' | 'escalation' | 'reminder' | 'update';
  incidentId: string | null;
  summary: string;
  severity: Severity;
  mode: IncidentMode;
  source: string;
  component: string | null;
  details: JsonObject;
}

export interface PageResult {
  receiver: string;
  ok: boolean;
  status?: number;
  error?: string;
}

export interface Pager {
  send(page: Page): Promise<PageResult[]>;
}

const PD_SEVERITY: Record<Severity, string> = { P0: 'critical', P1: 'error', P2: 'warning', P3: 'info' };

function summaryOf(page: Page): string {
  const prefix = page.mode === 'drill' ? '[DRILL] ' : '';
  return `${prefix}[${page.severity}] ${page.summary}`.slice(0, 1024);
}

/** The PagerDuty Events API v2 body. */
export function pagerDutyBody(routingKey: string, page: Page): JsonObject {
  return {
    routing_key: routingKey,
    event_action: page.action,
    dedup_key: page.dedupKey,
    payload: {
      summary: summaryOf(page),
      source: page.source,
      severity: PD_SEVERITY[page.severity],
      ...(page.component ? { component: page.component } : {}),
      custom_details: { ...page.details, incident: page.incidentId, kind: page.kind, mode: page.mode },
    },
  };
}

/** The generic webhook body: the page as it is, with a version for receivers to switch on. */
export function webhookBody(page: Page): JsonObject {
  return { version: '1', ...page, summary: summaryOf(page) } as unknown as JsonObject;
}

export class HttpPager implements Pager {
  constructor(
    private readonly receivers: readonly ReceiverConfig[],
    private readonly timeoutMs: number,
  ) {}

  async send(page: Page): Promise<PageResult[]> {
    const targets = this.receivers.filter((r) => page.kind !== 'update' && (r.type === 'webhook' || page.kind !== 'reminder'));
    return Promise.all(targets.map((r) => this.post(r, page)));
  }

  private async post(r: ReceiverConfig, page: Page): Promise<PageResult> {
    const body = r.type === 'pagerduty' ? pagerDutyBody(r.routingKey, page) : webhookBody(page);
    const headers = { 'content-type': 'application/json', ...(r.type === 'webhook' ? r.headers : {}) };
    try {
      const res = await fetch(r.url, { method: 'POST', headers, body: JSON.stringify(body), signal: AbortSignal.timeout(this.timeoutMs) });
      await res.arrayBuffer().catch(() => undefined);
      return res.ok ? { receiver: r.name, ok: true, status: res.status } : { receiver: r.name, ok: false, status: res.status, error: `HTTP ${res.status}` };
    } catch (err) {
      return { receiver: r.name, ok: false, error: (err as Error).message };
    }
  }
}
