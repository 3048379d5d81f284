/**
 * Maintenance notices: the plan's maintenance procedure announces a window 72 hours ahead by e-mail and
 * on the status page, and notifies after it. Each tick looks at every window and sends the one notice
 * due, if any: the announcement once it is scheduled, reminders at the configured leads before it
 * starts, its start, its completion, its cancellation. Recipients are the status page's subscribers
 * (of the window's components, or of everything) and the routes that list the `maintenance` template.
 *
 * Every node may tick. A notice's messages carry idempotency keys derived from (window, notice,
 * channel, recipient), so the outbox keeps one copy however many nodes commit it; then a
 * `maintenance.notice_sent` event with an idempotency key of its own marks the notice done. A node that
 * dies in between leaves the notice due, and the next tick commits the same keys again (no-ops) and
 * marks it.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/index.js';
import { ME } from '../maintenance/events.js';
import { maintenanceStream, type Maintenance } from '../maintenance/model.js';
import { DuplicateControlEvent, type ControlEventStore } from '../store/control-port.js';
import type { JsonObject } from '../store/port.js';
import type { OutboxStore, SubscriberRecord } from '../store/outbox-port.js';
import type { CommunicationsConfig, ChannelType } from './config.js';
import type { Outbox } from './outbox.js';
import { slackMessage, SUBSCRIBER_WEBHOOKS, type Router } from './routing.js';
import type { Rendered, TemplateEngine } from './templates/engine.js';

export interface NoticeSettings {
  enabled: boolean;
  /** Announced less than this before the start: the notice says it came at short notice. */
  minNoticeMs: number;
  /** Reminder leads before the start, in ms. */
  remindersMs: number[];
}

/** A window finished longer ago than this gets no completion notice (e.g. notices were just enabled). */
const STALE_MS = 24 * 3_600_000;

/** `reminder:<lead ms>` for reminders. */
export type NoticeKind = 'announced' | 'started' | 'completed' | 'cancelled' | `reminder:${number}`;

/**
 * The notice due for `w` at `now`, given the notices already sent; null when none is. Reminders: only
 * the nearest lead already reached, and only if the window was announced before that point (a window
 * scheduled 2 hours ahead gets no "24 hours" reminder, and a node down across a reminder's time does
 * not send it late once a nearer one is due).
 */
export function dueNotice(w: Maintenance, now: number, remindersMs: readonly number[]): NoticeKind | null {
  const sent = new Set(w.notices);
  switch (w.status) {
    case 'cancelled':
      return sent.has('announced') && !sent.has('cancelled') ? 'cancelled' : null;
    case 'completed':
      return !sent.has('completed') && (w.completedAt ?? 0) >= now - STALE_MS ? 'completed' : null;
    case 'in_progress':
    case 'verifying':
      return !sent.has('started') && (w.startedAt ?? now) >= now - STALE_MS ? 'started' : null;
    case 'scheduled': {
      if (now >= w.scheduledFor) return null; // due to start: the start notice follows the transition
      if (!sent.has('announced')) return 'announced';
      const reached = [...remindersMs].sort((a, b) => a - b).find((lead) => now >= w.scheduledFor - lead);
      if (reached === undefined) return null;
      const kind: NoticeKind = `reminder:${reached}`;
      return !sent.has(kind) && w.createdAt <= w.scheduledFor - reached ? kind : null;
    }
  }
}

const HEADLINE: Record<string, string> = {
  announced: 'Scheduled maintenance',
  started: 'Maintenance in progress',
  completed: 'Maintenance completed',
  cancelled: 'Maintenance cancelled',
};

/** "1 hour", "24 hours", "3 days", "30 minutes": how people say a lead time. */
export function leadText(ms: number): string {
  const plural = (n: number, unit: string) => `${n} ${unit}${n === 1 ? '' : 's'}`;
  if (ms >= 2 * 86_400_000 && ms % 86_400_000 === 0) return plural(ms / 86_400_000, 'day');
  if (ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  return plural(Math.round(ms / 60_000), 'minute');
}

export function headlineOf(kind: NoticeKind): string {
  return kind.startsWith('reminder:') ? `Reminder: maintenance starts in ${leadText(Number(kind.slice('reminder:'.length)))}` : HEADLINE[kind];
}

export interface NoticeDeps {
  settings: NoticeSettings;
  config: CommunicationsConfig;
  events: ControlEventStore;
  outbox: Outbox;
  outboxStore: OutboxStore;
  router: Router;
  engine: TemplateEngine;
  clock: Clock;
  log: Logger;
  /** Every window (the maintenance projection). */
  windows: () => Promise<Maintenance[]>;
  /** Product name, status page URL, time zone, and the unsubscribe link of a subscriber. */
  product: () => string;
  statusPageUrl: () => string;
  timeZone: string;
  unsubscribeUrl: (s: SubscriberRecord) => string;
}

export class MaintenanceNotices {
  private readonly format: Intl.DateTimeFormat;

  constructor(private readonly d: NoticeDeps) {
    this.format = new Intl.DateTimeFormat('en-GB', { timeZone: d.timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' });
  }

  /** Sends the notices due now; returns how many notices (not messages) it sent. */
  async tick(): Promise<number> {
    if (!this.d.settings.enabled) return 0;
    const now = this.d.clock.now();
    let sent = 0;
    let subscribers: SubscriberRecord[] | null = null;
    for (const w of await this.d.windows()) {
      const kind = dueNotice(w, now, this.d.settings.remindersMs);
      if (!kind) continue;
      subscribers ??= await this.d.outboxStore.listSubscribers({ status: 'active' });
      const messages = await this.send(w, kind, subscribers);
      try {
        await this.d.events.appendToStream(maintenanceStream(w.id), [
          { type: ME.noticeSent, data: { notice: kind, messages }, actor: 'communications', at: now, idempotencyKey: `${maintenanceStream(w.id)}:notice:${kind}` },
        ]);
      } catch (err) {
        if (!(err instanceof DuplicateControlEvent)) throw err; // another node marked it first
      }
      this.d.log.info({ maintenance: w.id, notice: kind, messages }, 'maintenance notice sent');
      sent += 1;
    }
    return sent;
  }

  /** The template's values for one window and notice (also what `notify preview` shows). */
  data(w: Maintenance, kind: NoticeKind): Record<string, unknown> {
    const latest = w.updates[w.updates.length - 1];
    const shortNotice = w.scheduledFor - w.createdAt < this.d.settings.minNoticeMs;
    return {
      product: this.d.product(),
      id: w.id,
      title: w.title,
      notice: kind.startsWith('reminder:') ? 'reminder' : kind,
      headline: headlineOf(kind),
      start: this.format.format(w.scheduledFor),
      end: this.format.format(w.scheduledUntil),
      affected: w.components.join(', '),
      status: w.status.replace('_', ' '),
      message: latest?.body ?? w.body,
      shortNotice: kind === 'announced' && shortNotice,
      minNoticeHours: Math.round(this.d.settings.minNoticeMs / 3_600_000),
      statusPageUrl: this.d.statusPageUrl(),
    };
  }

  /** One notice rendered for one channel type, without sending it (continuum notify preview maintenance). */
  preview(w: Maintenance, kind: NoticeKind, type: ChannelType): { rendered: Rendered; content: JsonObject | null } {
    const data = this.data(w, kind);
    const extra = type === 'email' || type === 'webhook' ? { unsubscribeUrl: this.d.unsubscribeUrl({ unsubscribeToken: 'TOKEN' } as SubscriberRecord) } : {};
    const rendered = this.d.engine.render('maintenance', type, { ...data, ...extra });
    const recipient = type === 'email' ? 'recipient@example.test' : type === 'sms' ? '+15550100' : null;
    return { rendered, content: contentOf(type, rendered, data, recipient, 'msg_preview') };
  }

  /** Commits the notice's messages (idempotent keys); returns how many there are. */
  private async send(w: Maintenance, kind: NoticeKind, subscribers: SubscriberRecord[]): Promise<number> {
    const data = this.data(w, kind);
    const drafts: Parameters<Outbox['commit']>[0] = [];
    const add = (channel: string, recipient: string | null, build: (key: string) => JsonObject | null) => {
      const hash = createHash('sha256').update(`${channel}\u0000${recipient ?? ''}`).digest('hex').slice(0, 16);
      const key = `msg_mnt_${w.id}_${kind.replace(':', '-')}_${hash}`;
      const content = build(key);
      if (!content) return;
      drafts.push({ channel, recipient, template: 'maintenance', content, idempotencyKey: key, incidentId: null, orderKey: maintenanceStream(w.id) });
    };
    const render = (type: ChannelType, extra: Record<string, unknown> = {}) => this.d.engine.render('maintenance', type, { ...data, ...extra });

    if (this.d.config.enabled) {
      for (const rule of this.d.config.routes) {
        if (!rule.templates?.includes('maintenance')) continue;
        if (rule.components && !rule.components.some((c) => w.components.includes(c))) continue;
        const ch = this.d.config.channels.find((c) => c.name === rule.channel)!;
        const rendered = render(ch.type);
        if (ch.type === 'email' || ch.type === 'sms') {
          for (const to of new Set(rule.to ?? ch.to)) add(ch.name, to, (k) => contentOf(ch.type, rendered, data, to, k));
        } else add(ch.name, null, (k) => contentOf(ch.type, rendered, data, null, k));
      }
    }
    const email = this.d.router.emailChannel;
    for (const s of subscribers) {
      if (s.status !== 'active') continue;
      if (s.components.length > 0 && !s.components.some((c) => w.components.includes(c))) continue;
      const unsubscribeUrl = this.d.unsubscribeUrl(s);
      if (s.kind === 'email' && email) {
        const rendered = render('email', { unsubscribeUrl });
        add(email.name, s.address, (k) => {
          const c = contentOf('email', rendered, data, s.address, k);
          return c && { ...c, headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
        });
      } else if (s.kind === 'webhook') {
        const rendered = render('webhook', { unsubscribeUrl });
        add(SUBSCRIBER_WEBHOOKS, s.address, (k) => contentOf('webhook', rendered, data, s.address, k));
      }
    }
    await this.d.outbox.commit(drafts);
    return drafts.length;
  }
}

/** Channel content of a maintenance notice (PagerDuty takes none: maintenance pages nobody). */
function contentOf(type: ChannelType, r: Rendered, data: Record<string, unknown>, recipient: string | null, key: string): JsonObject | null {
  switch (type) {
    case 'slack':
      return slackMessage(r, `${String(data.id)} · <${String(data.statusPageUrl)}|status page>`);
    case 'pagerduty':
      return null;
    case 'email':
      return recipient ? { to: recipient, subject: r.subject, text: r.text, html: r.html ?? null } : null;
    case 'sms':
      return recipient ? { to: recipient, body: r.short.slice(0, 1600) } : null;
    case 'webhook':
      return {
        body: {
          type: `maintenance.${String(data.notice)}`,
          version: '1',
          idempotency_key: key,
          subject: r.subject,
          text: r.text,
          short: r.short,
          maintenance: { id: data.id, title: data.title, status: data.status, components: String(data.affected).split(', ').filter(Boolean), start: data.start, end: data.end } as JsonObject,
        },
      };
  }
}
