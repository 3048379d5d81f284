/**
 * Communications: the incident process's Pager, backed by the durable outbox. A page becomes the
 * plan's messages (templates for the team, executives, the Incident Commander, customers and the
 * public), routed to channels by configuration, committed, then delivered at least once. The paging
 * receivers of `incidents.paging` stay channels of their own, so pages reach them as before.
 */
import type { Clock } from '../core/clock.js';
import { withTimeout } from '../core/timeout.js';
import type { Random } from '../core/random.js';
import type { ReceiverConfig } from '../incidents/config.js';
import { foldIncident, timelineOf } from '../incidents/events.js';
import { incidentStream, type Incident, type TimelineEntry } from '../incidents/model.js';
import type { Page, Pager, PageResult } from '../incidents/pager.js';
import type { Logger } from '../log/index.js';
import type { Store } from '../store/port.js';
import type { JsonObject } from '../store/port.js';
import type { SubscriberRecord } from '../store/outbox-port.js';
import type { Channel } from './channels/channel.js';
import { EmailChannel } from './channels/email.js';
import { PagerDutyChannel, SlackChannel, SmsChannel, WebhookChannel } from './channels/http.js';
import type { ChannelConfig, ChannelType, CommunicationsConfig, TemplateName } from './config.js';
import { Outbox } from './outbox.js';
import { MaintenanceNotices, type NoticeSettings } from './maintenance-notices.js';
import type { Maintenance } from '../maintenance/model.js';
import { contentFor, CUSTOMER_SEVERITIES, Router, SUBSCRIBER_WEBHOOKS, type Occasion } from './routing.js';
import { SubscriberService } from './subscribers.js';
import { noticeData, statusWord, type NoticeData, type NoticeNotes } from './templates/data.js';
import { TemplateEngine, type Rendered } from './templates/engine.js';

export { SubscriberService, type SubscribeRequest } from './subscribers.js';
export type { CommunicationsConfig } from './config.js';

export interface CommunicationsDeps {
  config: CommunicationsConfig;
  /** incidents.paging: receivers paged as before, now through the outbox. */
  receivers: readonly ReceiverConfig[];
  pagingTimeoutMs: number;
  store: Store;
  clock: Clock;
  random: Random;
  nodeId: string;
  log: Logger;
  spoolPath: string;
  /** The status page's name and path, for the default product name and links in messages. */
  statusPage: { name: string; path: string };
  /** Base URL of this node's admin API host (for subscription links) when communications.publicUrl is unset. */
  baseUrl: () => string;
}


const QUEUED = 'queued in the outbox: delivered as soon as the receiver answers (continuum notify status)';

function buildChannel(c: ChannelConfig, timeoutMs: number, clock: Clock): Channel {
  const t = c.timeout ?? timeoutMs;
  switch (c.type) {
    case 'slack':
      return new SlackChannel(c, t);
    case 'pagerduty':
      return new PagerDutyChannel(c, t);
    case 'email':
      return new EmailChannel(c, t);
    case 'sms':
      return new SmsChannel(c, t);
    case 'webhook':
      return new WebhookChannel(c, t, clock);
  }
}

/** An incident-like view of a page sent before its incident exists (detection while the store is down). */
function incidentOfPage(page: Page, now: number): Incident {
  return {
    id: page.incidentId ?? page.dedupKey,
    title: page.summary,
    severity: page.severity,
    status: 'investigating',
    mode: page.mode,
    components: page.component ? [page.component] : [],
    impact: '',
    summary: typeof page.details.summary === 'string' ? page.details.summary : '',
    dedupKey: page.dedupKey,
    source: 'signal',
    declaredBy: page.source,
    startedAt: now,
    detectedAt: now,
    acknowledgedAt: null,
    acknowledgedBy: null,
    mitigatedAt: null,
    resolvedAt: null,
    failoverAt: null,
    roles: [],
    signals: [],
    alerts: {},
    escalation: { level: 0, target: null, at: null },
    lastExternalUpdateAt: null,
    lastReminderDueAt: null,
    debriefDueAt: null,
    mergedInto: null,
    version: 0,
    updatedAt: now,
  };
}

/** Template fields a page carries: operator notes, escalation target, reminder text. */
function notesOf(page: Page, inc: Incident): NoticeNotes {
  const d = page.details;
  const notes: NoticeNotes = { ...((d.notes ?? {}) as NoticeNotes) };
  const esc = d.escalation as JsonObject | undefined;
  if (esc && typeof esc.title === 'string') notes.escalation = esc.title;
  if (typeof d.cadenceMs === 'number') notes.cadenceMinutes = Math.round(d.cadenceMs / 60_000);
  if (page.kind === 'reminder' && typeof d.reminder === 'string') {
    notes.reminder = d.reminder === 'post an external update' ? `Post an external update (due every ${notes.cadenceMinutes ?? 15} min)` : d.reminder[0].toUpperCase() + d.reminder.slice(1);
  }
  if (page.kind === 'update' && typeof d.previousStatus === 'string') notes.previousStatus = statusWord(d.previousStatus);
  if (page.kind === 'update' && typeof d.message === 'string') notes.actionTaken ??= d.message;
  if (page.action === 'acknowledge') {
    notes.previousStatus ??= 'Investigating (unacknowledged)';
    notes.currentStatus ??= `Acknowledged by ${inc.acknowledgedBy ?? 'a responder'}`;
    notes.actionTaken ??= 'The incident was acknowledged; the response team is engaged';
  }
  // The automatic update a due reminder posts (cadence.autoUpdate) says work goes on.
  if (page.kind === 'reminder' && page.details.reminder === 'post an external update') {
    notes.currentStatus ??= inc.status === 'investigating' ? 'Still investigating' : `${statusWord(inc.status)} (work continues)`;
  }
  return notes;
}

export class Communications implements Pager {
  readonly engine: TemplateEngine;
  readonly router: Router;
  readonly outbox: Outbox;
  readonly subscribers: SubscriberService;
  private readonly channelTypes = new Map<string, ChannelType>();

  constructor(private readonly d: CommunicationsDeps) {
    const c = d.config;
    this.engine = new TemplateEngine(c.templates);
    this.router = new Router(c, d.receivers, this.engine);
    const channels: Channel[] = [
      ...d.receivers.map((r) =>
        r.type === 'pagerduty'
          ? new PagerDutyChannel(r, d.pagingTimeoutMs)
          : new WebhookChannel({ name: r.name, url: r.url, headers: r.headers, secrets: [] }, d.pagingTimeoutMs, d.clock),
      ),
      ...c.channels.map((ch) => buildChannel(ch, c.outbox.timeout, d.clock)),
      new WebhookChannel({ name: SUBSCRIBER_WEBHOOKS, url: 'http://invalid.invalid/', headers: {}, secrets: c.subscribers.webhookSecret ? [c.subscribers.webhookSecret] : [], urlFromRecipient: true }, c.outbox.timeout, d.clock),
    ];
    for (const ch of channels) this.channelTypes.set(ch.name, ch.type);
    const rates: Record<string, { perSecond: number; burst: number }> = {};
    for (const ch of c.channels) {
      const r = ch.rate ?? (ch.type === 'slack' ? { perSecond: 1, burst: 1 } : undefined);
      if (r) rates[ch.name] = r;
    }
    this.outbox = new Outbox({
      store: d.store.outbox,
      events: d.store.controlEvents,
      channels,
      clock: d.clock,
      random: d.random,
      nodeId: d.nodeId,
      log: d.log,
      config: c.outbox,
      rates,
      spoolPath: d.spoolPath,
    });
    this.subscribers = new SubscriberService(
      d.store.outbox,
      d.clock,
      d.random,
      { confirm: (t) => this.link('confirm', t), unsubscribe: (t) => this.link('unsubscribe', t) },
      { confirmation: (s, confirmUrl) => this.sendConfirmation(s, confirmUrl), webhookCreated: (s, u) => this.sendWebhookCreated(s, u) },
      c.subscribers.confirmWithin,
    );
  }

  start(): void {
    this.outbox.start();
  }

  stop(): Promise<void> {
    return this.outbox.stop();
  }

  /** Pager: commits the page's messages, waits (bounded) for their first attempts, reports them. */
  async send(page: Page): Promise<PageResult[]> {
    const now = this.d.clock.now();
    const found = page.incidentId ? await this.lookup(page.incidentId) : null;
    const incident = found?.incident ?? incidentOfPage(page, now);
    const data = noticeData(incident, found?.timeline ?? [], notesOf(page, incident), this.dataOptions(), now);
    // Customers hear of real P0/P1 incidents only; a store that does not answer quickly (it may be
    // down: detection pages from its journal then) must not hold the page up.
    let subscribers: SubscriberRecord[] = [];
    if (page.mode === 'real' && CUSTOMER_SEVERITIES.includes(page.severity) && found) {
      subscribers = await withTimeout(this.d.store.outbox.listSubscribers({ status: 'active' }), 1_000, 'the store did not answer').catch(() => []);
    }
    const drafts = this.router.plan(
      { page, incident: found?.incident ?? null, data, subscribers, unsubscribeUrl: (s) => this.link('unsubscribe', s.unsubscribeToken) },
      () => this.outbox.newKey(),
    );
    if (drafts.length === 0) return [];
    const waitMs = Math.max(...drafts.map((x) => this.outbox.channelTimeout(x.channel))) + 1_500;
    const firsts = this.outbox.firstAttempts(drafts.map((x) => x.idempotencyKey), waitMs);
    await this.outbox.commit(drafts.map((x) => ({ ...x, incidentId: page.incidentId, orderKey: page.incidentId ?? page.dedupKey })));
    const got = await firsts;
    return drafts.map((x) => {
      const r = got.get(x.idempotencyKey);
      if (!r) return { receiver: x.channel, ok: false, error: QUEUED };
      return { receiver: x.channel, ok: r.ok, ...(r.status ? { status: r.status } : {}), ...(r.error ? { error: r.error } : {}) };
    });
  }

  /** A template rendered for one channel type from an incident as it is now (continuum notify preview). */
  async preview(template: TemplateName, incidentId: string, channel: ChannelType, notes: NoticeNotes = {}): Promise<{ rendered: Rendered; content: JsonObject | null; data: NoticeData } | null> {
    const found = await this.lookup(incidentId, 10_000);
    if (!found) return null;
    const data = noticeData(found.incident, found.timeline, notes, this.dataOptions(), this.d.clock.now());
    if (template === 'customer') data.unsubscribeUrl = this.link('unsubscribe', 'TOKEN');
    if (template === 'confirm') data.confirmUrl = this.link('confirm', 'TOKEN');
    const rendered = this.engine.render(template, channel, data);
    const occ: Occasion = { template, audience: 'team', pdAction: template === 'resolution' ? 'resolve' : 'trigger' };
    const content = contentFor(channel, rendered, { data, page: null, occ, recipient: channel === 'email' ? 'recipient@example.test' : channel === 'sms' ? '+15550100' : null, key: 'msg_preview' });
    return { rendered, content, data };
  }

  private async lookup(id: string, ms = 1_000): Promise<{ incident: Incident; timeline: TimelineEntry[] } | null> {
    try {
      const events = await withTimeout(this.d.store.controlEvents.readStream(incidentStream(id)), ms, 'the store did not answer');
      const incident = foldIncident(events);
      return incident ? { incident, timeline: timelineOf(events) } : null;
    } catch {
      return null; // store down: render from the page
    }
  }

  /** The notices of maintenance windows, sent through this outbox to subscribers and `maintenance` routes. */
  maintenanceNotices(settings: NoticeSettings, windows: () => Promise<Maintenance[]>, timeZone: string): MaintenanceNotices {
    return new MaintenanceNotices({
      settings,
      config: this.d.config,
      events: this.d.store.controlEvents,
      outbox: this.outbox,
      outboxStore: this.d.store.outbox,
      router: this.router,
      engine: this.engine,
      clock: this.d.clock,
      log: this.d.log,
      windows,
      product: () => this.dataOptions().product,
      statusPageUrl: () => this.dataOptions().statusPageUrl,
      timeZone,
      unsubscribeUrl: (s) => this.link('unsubscribe', s.unsubscribeToken),
    });
  }

  /** Product name and links in messages: configured, else this deployment's own status page. */
  private dataOptions() {
    const c = this.d.config;
    const statusPageUrl = c.statusPageUrl ?? `${(c.publicUrl ?? this.d.baseUrl()).replace(/\/+$/, '')}${this.d.statusPage.path}`;
    const postmortemUrl = c.postmortemUrl ?? `${statusPageUrl.replace(/\/+$/, '')}/incidents/{id}`;
    return { product: c.product ?? this.d.statusPage.name, statusPageUrl, postmortemUrl };
  }

  private link(kind: 'confirm' | 'unsubscribe', token: string): string {
    const base = (this.d.config.publicUrl ?? this.d.baseUrl()).replace(/\/+$/, '');
    return `${base}/api/v1/subscriptions/${kind}?token=${encodeURIComponent(token)}`;
  }

  private async sendConfirmation(s: SubscriberRecord, confirmUrl: string): Promise<void> {
    const email = this.router.emailChannel;
    if (!email) throw Object.assign(new Error('no e-mail channel is configured (communications.channels, type email): e-mail subscriptions cannot be confirmed'), { status: 409 });
    const data = { product: this.dataOptions().product, confirmUrl, components: s.components.join(', ') };
    const r = this.engine.render('confirm', 'email', data);
    const key = this.outbox.newKey();
    await this.outbox.commit([{ channel: email.name, recipient: s.address, template: 'confirm', content: { to: s.address, subject: r.subject, text: r.text, html: r.html ?? null }, idempotencyKey: key, incidentId: null, orderKey: `subscriber:${s.id}` }]);
  }

  private async sendWebhookCreated(s: SubscriberRecord, unsubscribeUrl: string): Promise<void> {
    const key = this.outbox.newKey();
    const body = { type: 'subscription.created', version: '1', idempotency_key: key, subscription: { id: s.id, components: s.components }, unsubscribe_url: unsubscribeUrl };
    await this.outbox.commit([{ channel: SUBSCRIBER_WEBHOOKS, recipient: s.address, template: 'subscription', content: { body }, idempotencyKey: key, incidentId: null, orderKey: `subscriber:${s.id}` }]);
  }
}
