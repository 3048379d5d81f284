/**
 * The `communications` configuration: channels (Slack, PagerDuty, e-mail, SMS, webhooks), routing
 * rules that pick channels and recipients for each message, the outbox's delivery policy, template
 * overrides, subscribers and update cadence. Validated with the rest of the configuration, so a rule
 * naming an unknown channel stops `continuum up` with the key named.
 */
import { z } from 'zod';
import { durationSchema as duration } from '../config/duration.js';
import { SEVERITIES } from '../incidents/model.js';

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'letters, digits, . _ - (at most 64)');

/** Per-channel rate limit: a token bucket of `burst` refilled at `perSecond`. */
const rate = z
  .object({ perSecond: z.number().positive(), burst: z.number().int().positive().default(1) })
  .strict();

const common = {
  name,
  /** Default recipients when a rule names none (e-mail addresses, phone numbers, a Slack channel). */
  to: z.array(z.string().min(1)).default([]),
  rate: rate.optional(),
  /** How long one delivery attempt may take. */
  timeout: duration.optional(),
};

export const channelSchema = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('slack'),
      ...common,
      /** Incoming webhook URL (a secret: it is never logged). */
      url: z.url(),
    })
    .strict(),
  z
    .object({
      type: z.literal('pagerduty'),
      ...common,
      url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
      routingKey: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('email'),
      ...common,
      /** SMTP server. */
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** true: TLS from the start (port 465); false: STARTTLS when offered. */
      secure: z.boolean().default(false),
      user: z.string().optional(),
      pass: z.string().optional(),
      from: z.string().min(3),
      /** Accept self-signed certificates (test servers only). */
      insecureTls: z.boolean().default(false),
    })
    .strict(),
  z
    .object({
      type: z.literal('sms'),
      ...common,
      /** Twilio-compatible Messages endpoint: POST form To, From, Body with HTTP basic auth. */
      url: z.url(),
      accountSid: z.string().min(1),
      authToken: z.string().min(1),
      from: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      ...common,
      url: z.url(),
      /** Standard Webhooks secret(s), whsec_<base64>; several sign with each (rotation). None: unsigned. */
      secrets: z.array(z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/, 'whsec_<base64>')).default([]),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);

export const TEMPLATES = ['initial', 'update', 'resolution', 'customer', 'public', 'reminder', 'confirm', 'maintenance'] as const;
export type TemplateName = (typeof TEMPLATES)[number];

export const AUDIENCES = ['team', 'executives', 'customers', 'public', 'incident-commander'] as const;
export type Audience = (typeof AUDIENCES)[number];

/**
 * A rule: messages of these templates, severities, audiences and components go to `channel`, for
 * `to` (or the channel's `to`), plus the people holding `roles` on the incident (their configured
 * e-mail, phone or Slack handle, whichever the channel takes). Every matching rule sends.
 */
const routeSchema = z
  .object({
    channel: name,
    templates: z.array(z.enum(TEMPLATES)).optional(),
    severities: z.array(z.enum(SEVERITIES)).optional(),
    audiences: z.array(z.enum(AUDIENCES)).optional(),
    components: z.array(z.string().min(1)).optional(),
    to: z.array(z.string().min(1)).optional(),
    roles: z.array(z.string().min(1)).optional(),
  })
  .strict();

export const communicationsConfigSchema = z
  .object({
    enabled: z.boolean().default(true),
    channels: z.array(channelSchema).default([]),
    routes: z.array(routeSchema).default([]),
    /** Directory of template overrides: <template>.<part>.hbs or <template>.<channel type>.<part>.hbs. */
    templates: z.string().min(1).optional(),
    /** Product name in messages. Default: statusPage.name. */
    product: z.string().min(1).optional(),
    /** Status page link in messages. Default: this deployment's own page (publicUrl + statusPage.path). */
    statusPageUrl: z.url().optional(),
    /** Post-mortem link; {id} is the incident id. Default: the incident's permalink on the status page,
     * where its post-mortem is shown once published. */
    postmortemUrl: z.string().min(1).optional(),
    /** Public base URL of this deployment's admin API (subscription confirm and unsubscribe links). */
    publicUrl: z.url().optional(),
    outbox: z
      .object({
        /** How often the worker looks for due messages when it is idle. */
        interval: duration.prefault('1s'),
        /** Default time one attempt may take. */
        timeout: duration.prefault('5s'),
        backoff: z.object({ initial: duration.prefault('1s'), max: duration.prefault('5m') }).strict().prefault({}),
        /** A message still undelivered this long after it was committed is given up (dead). */
        giveUpAfter: duration.prefault('24h'),
        /** Local spool (JSON lines) for messages committed while the store is down. Default: beside the
         * incident journal. */
        spool: z.string().min(1).optional(),
        /** Messages claimed per round. */
        batch: z.number().int().positive().default(50),
      })
      .strict()
      .prefault({}),
    subscribers: z
      .object({
        /** Channel (type email) that sends confirmations and customer e-mails; the first e-mail channel when absent. */
        emailChannel: name.optional(),
        /** An unconfirmed subscription expires after this. */
        confirmWithin: duration.prefault('48h'),
        /** Webhook subscribers' payloads are signed with this secret (whsec_...). */
        webhookSecret: z.string().regex(/^whsec_[A-Za-z0-9+/=]+$/).optional(),
      })
      .strict()
      .prefault({}),
    cadence: z
      .object({
        /** With each update reminder, also post an automatic "still investigating" public update. */
        autoUpdate: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.channels.forEach((ch, i) => {
      if (names.has(ch.name)) ctx.addIssue({ code: 'custom', path: ['channels', i, 'name'], message: `channel "${ch.name}" is defined twice` });
      names.add(ch.name);
    });
    c.routes.forEach((r, i) => {
      if (!names.has(r.channel)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'channel'], message: `"${r.channel}" is not a channel (define it under communications.channels)` });
    });
    const sub = c.subscribers.emailChannel;
    if (sub !== undefined && c.channels.find((ch) => ch.name === sub)?.type !== 'email') {
      ctx.addIssue({ code: 'custom', path: ['subscribers', 'emailChannel'], message: `"${sub}" is not an e-mail channel` });
    }
  });

export type CommunicationsConfig = z.output<typeof communicationsConfigSchema>;
export type ChannelConfig = CommunicationsConfig['channels'][number];
export type RouteConfig = CommunicationsConfig['routes'][number];
export type ChannelType = ChannelConfig['type'];

const REDACTED = '[redacted]';

/** The configuration with every credential replaced, for `continuum config` (Slack webhook URLs are
 * credentials; so are routing keys, SMTP passwords, SMS tokens, webhook secrets and headers). */
export function redactCommunications(c: CommunicationsConfig): CommunicationsConfig {
  return {
    ...c,
    channels: c.channels.map((ch) => {
      switch (ch.type) {
        case 'slack':
          return { ...ch, url: REDACTED };
        case 'pagerduty':
          return { ...ch, routingKey: REDACTED };
        case 'email':
          return ch.pass === undefined ? ch : { ...ch, pass: REDACTED };
        case 'sms':
          return { ...ch, authToken: REDACTED };
        case 'webhook':
          return { ...ch, secrets: ch.secrets.map(() => REDACTED), headers: Object.fromEntries(Object.keys(ch.headers).map((k) => [k, REDACTED])) };
      }
    }),
    subscribers: c.subscribers.webhookSecret ? { ...c.subscribers, webhookSecret: REDACTED } : c.subscribers,
  };
}
