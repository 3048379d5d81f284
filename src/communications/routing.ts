/**
 * From a page (what the incident process decided to tell) to messages: which templates for which
 * audiences (occasions), which channels and recipients (routing rules), and each message's rendered,
 * secret-free content. Customers are the status-page subscribers; the plan's customer e-mail goes out
 * for the severities in `subscribers.severities` (P0/P1) and never for drills.
 */
import type { Page } from '../incidents/pager.js';
import { pagerDutyBody, webhookBody } from '../incidents/pager.js';
import type { Contact, Incident, Severity } from '../incidents/model.js';
import type { ReceiverConfig } from '../incidents/config.js';
import type { JsonObject } from '../store/port.js';
import type { SubscriberRecord } from '../store/outbox-port.js';
import type { Audience, ChannelConfig, ChannelType, CommunicationsConfig, RouteConfig, TemplateName } from './config.js';
import type { NoticeData } from './templates/data.js';
import type { Rendered, TemplateEngine } from './templates/engine.js';

/** One template for one audience, and the PagerDuty action it stands for. */
export interface Occasion {
  template: TemplateName;
  audience: Audience;
  pdAction: 'trigger' | 'acknowledge' | 'resolve' | null;
}

export const CUSTOMER_SEVERITIES: readonly Severity[] = ['P0', 'P1'];

/** What a page means for each audience. */
export function occasionsFor(page: Page, o: { autoUpdate: boolean; drill: boolean }): Occasion[] {
  const outward = CUSTOMER_SEVERITIES.includes(page.severity) && !o.drill;
  const external = (): Occasion[] =>
    outward
      ? [
          { template: 'customer', audience: 'customers', pdAction: null },
          { template: 'public', audience: 'public', pdAction: null },
        ]
      : [];
  const execs = page.severity === 'P0';
  switch (page.kind) {
    case 'escalation':
      return [
        { template: 'initial', audience: 'executives', pdAction: 'trigger' },
        { template: 'initial', audience: 'team', pdAction: 'trigger' },
      ];
    case 'reminder':
      return [
        { template: 'reminder', audience: 'incident-commander', pdAction: null },
        ...(o.autoUpdate && page.details.reminder === 'post an external update' ? external() : []),
      ];
    case 'update':
      return [{ template: 'update', audience: 'team', pdAction: null }, ...external()];
    default:
      break;
  }
  if (page.action === 'acknowledge') return [{ template: 'update', audience: 'team', pdAction: 'acknowledge' }];
  if (page.action === 'resolve') {
    return [
      { template: 'resolution', audience: 'team', pdAction: 'resolve' },
      ...(execs ? [{ template: 'resolution' as const, audience: 'executives' as const, pdAction: null }] : []),
      ...external(),
    ];
  }
  return [
    { template: 'initial', audience: 'team', pdAction: 'trigger' },
    ...(execs ? [{ template: 'initial' as const, audience: 'executives' as const, pdAction: null }] : []),
    ...external(),
  ];
}

export function ruleMatches(r: RouteConfig, occ: Occasion, severity: Severity, components: readonly string[]): boolean {
  if (r.templates && !r.templates.includes(occ.template)) return false;
  // A rule without audiences speaks to the team.
  if (!(r.audiences ?? ['team']).includes(occ.audience)) return false;
  if (r.severities && !r.severities.includes(severity)) return false;
  if (r.components && !r.components.some((c) => components.includes(c))) return false;
  return true;
}

/** The address of a contact a channel type can reach; null when it has none. */
export function addressOf(c: Contact | null | undefined, type: ChannelType): string | null {
  if (!c) return null;
  if (type === 'email') return c.email ?? null;
  if (type === 'sms') return c.phone ?? null;
  return null;
}

/** One message before it is committed: channel, recipient, template, content. */
export interface Draft {
  channel: string;
  recipient: string | null;
  template: string;
  content: JsonObject;
}

const PD_SEVERITY: Record<Severity, string> = { P0: 'critical', P1: 'error', P2: 'warning', P3: 'info' };

/** A Slack message: Block Kit (header, text, an optional context line) with the text as fallback. */
export function slackMessage(r: Rendered, context?: string): JsonObject {
  return {
    text: r.text,
    blocks: [
      { type: 'header', text: { type: 'plain_text', text: r.subject.slice(0, 150), emoji: true } },
      { type: 'section', text: { type: 'mrkdwn', text: r.text.slice(0, 3000) } },
      ...(context ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: context }] }] : []),
    ],
  };
}

/** Channel-specific content from a rendered template. Nothing here is secret. */
export function contentFor(type: ChannelType, r: Rendered, ctx: { data: NoticeData; page: Page | null; occ: Occasion; recipient: string | null; key: string }): JsonObject | null {
  const d = ctx.data;
  switch (type) {
    case 'slack':
      return slackMessage(r, `${d.incident.id} · ${d.incident.severity} · <${d.statusPageUrl}|status page>`);
    case 'pagerduty': {
      const action = ctx.occ.pdAction;
      if (!action) return null; // PagerDuty has no update, reminder or customer events
      return {
        event_action: action,
        dedup_key: ctx.page?.dedupKey ?? d.incident.id,
        payload: {
          summary: r.short.slice(0, 1024),
          source: ctx.page?.source ?? 'continuum',
          severity: PD_SEVERITY[d.incident.severity as Severity],
          ...(d.incident.components[0] ? { component: d.incident.components[0] } : {}),
          custom_details: { incident: d.incident.id, status: d.currentStatus, text: r.text, idempotency_key: ctx.key },
        },
      };
    }
    case 'email':
      return ctx.recipient ? { to: ctx.recipient, subject: r.subject, text: r.text, html: r.html ?? null } : null;
    case 'sms':
      return ctx.recipient ? { to: ctx.recipient, body: r.short.slice(0, 1600) } : null;
    case 'webhook':
      return {
        body: {
          type: `incident.${ctx.occ.template}`,
          version: '1',
          idempotency_key: ctx.key,
          audience: ctx.occ.audience,
          template: ctx.occ.template,
          subject: r.subject,
          text: r.text,
          short: r.short,
          incident: d.incident as unknown as JsonObject,
          fields: {
            currentStatus: d.currentStatus,
            previousStatus: d.previousStatus,
            affected: d.affected,
            actionTaken: d.actionTaken,
            nextSteps: d.nextSteps,
            eta: d.eta,
            duration: d.duration,
            rootCause: d.rootCause,
            prevention: d.prevention,
            postmortemUrl: d.postmortemUrl,
          },
        },
      };
  }
}

/** Whether a page goes to a receiver of incidents.paging (the pager before communications existed). */
export function legacyWants(r: ReceiverConfig, page: Page): boolean {
  if (page.kind === 'update') return false;
  return r.type === 'webhook' || page.kind !== 'reminder';
}

export function legacyContent(r: ReceiverConfig, page: Page): JsonObject {
  if (r.type === 'pagerduty') {
    const { routing_key: _omit, ...rest } = pagerDutyBody('', page);
    return rest;
  }
  return { body: webhookBody(page) };
}

export interface PlanInput {
  page: Page;
  incident: Incident | null;
  data: NoticeData;
  subscribers: SubscriberRecord[];
  unsubscribeUrl: (s: SubscriberRecord) => string;
}

/** Name of the built-in channel that posts to webhook subscribers (their URL, signed). */
export const SUBSCRIBER_WEBHOOKS = 'subscribers';

export class Router {
  constructor(
    private readonly config: CommunicationsConfig,
    private readonly legacy: readonly ReceiverConfig[],
    private readonly engine: TemplateEngine,
  ) {}

  get emailChannel(): Extract<ChannelConfig, { type: 'email' }> | undefined {
    const name = this.config.subscribers.emailChannel;
    return this.config.channels.find((c): c is Extract<ChannelConfig, { type: 'email' }> => c.type === 'email' && (name === undefined || c.name === name));
  }

  /** Every message a page calls for. Deduplicated by (channel, recipient, template). */
  plan(input: PlanInput, key: () => string): (Draft & { idempotencyKey: string })[] {
    const { page, data, incident } = input;
    const out: (Draft & { idempotencyKey: string })[] = [];
    const seen = new Set<string>();
    const add = (channel: string, recipient: string | null, template: string, build: (k: string) => JsonObject | null) => {
      const id = `${channel}\u0000${recipient ?? ''}\u0000${template}`;
      if (seen.has(id)) return;
      const k = key();
      const content = build(k);
      if (!content) return;
      seen.add(id);
      out.push({ channel, recipient, template, content, idempotencyKey: k });
    };
    for (const r of this.legacy) if (legacyWants(r, page)) add(r.name, null, `page.${page.action}.${page.kind}`, () => legacyContent(r, page));
    if (!this.config.enabled) return out;

    const components = incident?.components ?? (page.component ? [page.component] : []);
    for (const occ of occasionsFor(page, { autoUpdate: this.config.cadence.autoUpdate, drill: page.mode === 'drill' })) {
      const render = (type: ChannelType, extra: Partial<NoticeData> = {}) => this.engine.render(occ.template, type, { ...data, ...extra });
      for (const rule of this.config.routes) {
        if (!ruleMatches(rule, occ, page.severity, components)) continue;
        const ch = this.config.channels.find((c) => c.name === rule.channel)!;
        const recipients = this.recipients(rule, ch, occ, incident, page);
        const rendered = render(ch.type);
        if (ch.type === 'email' || ch.type === 'sms') {
          for (const to of recipients) add(ch.name, to, occ.template, (k) => contentFor(ch.type, rendered, { data, page, occ, recipient: to, key: k }));
        } else add(ch.name, null, occ.template, (k) => contentFor(ch.type, rendered, { data, page, occ, recipient: null, key: k }));
      }
      if (occ.audience === 'customers') this.toSubscribers(input, occ, add);
    }
    return out;
  }

  private toSubscribers(input: PlanInput, occ: Occasion, add: (c: string, r: string | null, t: string, b: (k: string) => JsonObject | null) => void): void {
    const components = input.incident?.components ?? [];
    const email = this.emailChannel;
    for (const s of input.subscribers) {
      if (s.status !== 'active') continue;
      if (s.components.length > 0 && !s.components.some((c) => components.includes(c))) continue;
      const unsubscribeUrl = input.unsubscribeUrl(s);
      if (s.kind === 'email' && email) {
        const rendered = this.engine.render(occ.template, 'email', { ...input.data, unsubscribeUrl });
        const content = (k: string) => {
          const c = contentFor('email', rendered, { data: input.data, page: input.page, occ, recipient: s.address, key: k });
          return c && { ...c, headers: { 'List-Unsubscribe': `<${unsubscribeUrl}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } };
        };
        add(email.name, s.address, occ.template, content);
      } else if (s.kind === 'webhook') {
        const rendered = this.engine.render(occ.template, 'webhook', { ...input.data, unsubscribeUrl });
        add(SUBSCRIBER_WEBHOOKS, s.address, occ.template, (k) => contentFor('webhook', rendered, { data: input.data, page: input.page, occ, recipient: s.address, key: k }));
      }
    }
  }

  private recipients(rule: RouteConfig, ch: ChannelConfig, occ: Occasion, incident: Incident | null, page: Page): string[] {
    const list = [...(rule.to ?? ch.to)];
    const roles = rule.roles ?? (occ.audience === 'incident-commander' ? ['incident-commander'] : []);
    for (const role of roles) {
      const a = addressOf(incident?.roles.find((x) => x.role === role)?.contact, ch.type);
      if (a) list.push(a);
    }
    if (occ.audience === 'executives') {
      const contacts = ((page.details.escalation as JsonObject | undefined)?.contacts ?? []) as unknown as Contact[];
      for (const c of contacts) {
        const a = addressOf(c, ch.type);
        if (a) list.push(a);
      }
    }
    return [...new Set(list)];
  }
}
