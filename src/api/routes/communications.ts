/**
 * Communications routes: the outbox queue (continuum notify status), template previews, sending a
 * notice with the plan's fields (next steps, ETA, root cause...), and subscriptions. The confirm and
 * unsubscribe links in messages are public routes (the token is the authority); so is subscribing
 * (the status page's form posts here).
 */
import { z } from 'zod';
import type { AuditLog } from '../../access/audit-log.js';
import type { Communications } from '../../communications/index.js';
import { TEMPLATES } from '../../communications/config.js';
import type { MaintenanceNotices, NoticeKind } from '../../communications/maintenance-notices.js';
import type { Maintenance } from '../../maintenance/model.js';
import type { IncidentService } from '../../incidents/service.js';
import { isOpen } from '../../incidents/model.js';
import type { OutboxMessage } from '../../store/outbox-port.js';
import { ApiError } from '../errors.js';
import { route, type Route } from '../route.js';

const CHANNEL_TYPES = ['slack', 'pagerduty', 'email', 'sms', 'webhook'] as const;
const text = (max: number) => z.string().trim().min(1).max(max);

const NOTICES = ['announced', 'reminder', 'started', 'completed', 'cancelled'] as const;

const previewQuery = z
  .object({
    template: z.enum(TEMPLATES),
    incident: text(100).optional().describe('the incident to render (every template but maintenance)'),
    maintenance: text(100).optional().describe('the maintenance window to render (template maintenance)'),
    notice: z.enum(NOTICES).default('announced').describe('which maintenance notice (reminder: the first configured lead)'),
    channel: z.enum(CHANNEL_TYPES).default('slack'),
  })
  .strict()
  .superRefine((q, ctx) => {
    if (q.template === 'maintenance' && !q.maintenance) ctx.addIssue({ code: 'custom', path: ['maintenance'], message: 'the maintenance template renders a window: give maintenance=<id>' });
    if (q.template !== 'maintenance' && !q.incident) ctx.addIssue({ code: 'custom', path: ['incident'], message: `the ${q.template} template renders an incident: give incident=<id>` });
  });

/** What the maintenance template's preview needs: the windows and how notices render. */
export interface MaintenancePreview {
  get(id: string): Promise<Maintenance | null>;
  notices: MaintenanceNotices;
  remindersMs: readonly number[];
}

const notes = {
  eta: text(200).optional().describe('estimated time to resolution, e.g. "30 minutes" or "14:30 UTC"'),
  nextSteps: text(2000).optional(),
  actionTaken: text(2000).optional(),
  rootCause: text(2000).optional(),
  prevention: text(2000).optional(),
};

export const notifyBody = z
  .object({
    template: z.enum(['initial', 'update', 'resolution']).describe('initial alert, update (also to customers and the public for P0/P1), resolution'),
    ...notes,
  })
  .strict();

const incidentId = z.object({ id: z.string().min(1).max(100) }).strict();
const tokenQuery = z.object({ token: z.string().min(1).max(200) }).strict();
const subscribeBody = z
  .object({
    kind: z.enum(['email', 'webhook']),
    address: z.string().trim().min(3).max(2000),
    components: z.array(text(100)).max(100).optional(),
  })
  .strict();

function messageView(m: OutboxMessage) {
  return {
    seq: m.seq,
    idempotencyKey: m.idempotencyKey,
    channel: m.channel,
    incidentId: m.incidentId,
    template: m.template,
    recipient: m.recipient,
    status: m.status,
    attempts: m.attempts,
    nextAttemptAt: new Date(m.nextAttemptAt).toISOString(),
    lastError: m.lastError,
    createdAt: new Date(m.createdAt).toISOString(),
    deliveredAt: m.deliveredAt === null ? null : new Date(m.deliveredAt).toISOString(),
  };
}

export function communicationsRoutes(comms: Communications, incidents: IncidentService, audit: AuditLog, maintenance: MaintenancePreview): Route[] {
  return [
    route<object, { limit?: string }>({
      method: 'GET',
      path: '/v1/communications/outbox',
      tag: 'communications',
      summary: 'The outbox queue: counts per channel and status, pending and given-up messages',
      role: 'viewer',
      query: z.object({ limit: z.string().regex(/^\d+$/).optional() }).strict(),
      handler: async ({ query }) => {
        const s = await comms.outbox.status(query.limit ? Number(query.limit) : 50);
        return {
          channels: s.stats.map((x) => ({ ...x, oldest: new Date(x.oldest).toISOString() })),
          spool: s.spool,
          pending: s.pending.map(messageView),
          dead: s.dead.map(messageView),
        };
      },
    }),
    route<object, z.output<typeof previewQuery>>({
      method: 'GET',
      path: '/v1/communications/preview',
      tag: 'communications',
      summary: 'Render a template for an incident and a channel type, without sending it',
      role: 'viewer',
      query: previewQuery,
      handler: async ({ query }) => {
        if (query.template === 'maintenance') {
          const w = await maintenance.get(query.maintenance!);
          if (!w) throw new ApiError(404, 'not_found', `no maintenance ${query.maintenance}; GET /api/v1/maintenance lists them`);
          const kind: NoticeKind = query.notice === 'reminder' ? `reminder:${maintenance.remindersMs[0] ?? 3_600_000}` : query.notice;
          const p = maintenance.notices.preview(w, kind, query.channel);
          return { template: query.template, channel: query.channel, rendered: p.rendered, content: p.content };
        }
        const p = await comms.preview(query.template, query.incident!, query.channel);
        if (!p) throw new ApiError(404, 'not_found', `no incident ${query.incident}; GET /api/v1/incidents lists them`);
        return { template: query.template, channel: query.channel, rendered: p.rendered, content: p.content };
      },
    }),
    route<z.output<typeof incidentId>, object, z.output<typeof notifyBody>>({
      method: 'POST',
      path: '/v1/incidents/:id/notify',
      tag: 'communications',
      summary: "Send a notice with the plan's fields (ETA, next steps, root cause, prevention) through the routed channels",
      role: 'responder',
      params: incidentId,
      body: notifyBody,
      handler: async ({ params, body, actor }) => {
        const found = await incidents.get(params.id);
        if (!found) throw new ApiError(404, 'not_found', `no incident ${params.id}; GET /api/v1/incidents lists them`);
        const inc = found.incident;
        if (body.template === 'resolution' && isOpen(inc.status)) throw new ApiError(409, 'conflict', `${inc.id} is ${inc.status}: resolve it first (continuum incident resolve)`);
        if (inc.mode === 'tabletop') throw new ApiError(409, 'conflict', `${inc.id} is a tabletop exercise: it sends nothing`);
        const { template, ...given } = body;
        const page =
          template === 'initial'
            ? incidents.pageFor(inc, 'trigger', 'incident', { notes: given })
            : template === 'resolution'
              ? incidents.pageFor(inc, 'resolve', 'incident', { notes: given })
              : incidents.pageFor(inc, 'trigger', 'update', { notes: given, previousStatus: inc.status });
        const results = await comms.send(page);
        if (results.length > 0) await incidents.recordPage(inc.id, page, results, actor);
        await audit.record(actor, 'incident.notified', inc.id, { template, ...given });
        return { results };
      },
    }),
    route<object, object, z.output<typeof subscribeBody>>({
      method: 'POST',
      path: '/v1/subscriptions',
      tag: 'subscriptions',
      summary: 'Subscribe to incident updates by e-mail (double opt-in) or webhook',
      role: 'public',
      body: subscribeBody,
      status: 202,
      handler: ({ body }) => comms.subscribers.subscribe(body),
    }),
    route<object, z.output<typeof tokenQuery>>({
      method: 'GET',
      path: '/v1/subscriptions/confirm',
      tag: 'subscriptions',
      summary: 'Confirm an e-mail subscription (the link in the confirmation e-mail)',
      role: 'public',
      query: tokenQuery,
      handler: async ({ query }) => {
        const s = await comms.subscribers.confirm(query.token);
        return { id: s.id, status: s.status, message: 'subscription confirmed: you will receive incident updates' };
      },
    }),
    ...(['GET', 'POST'] as const).map((method) =>
      route<object, z.output<typeof tokenQuery>>({
        method,
        path: '/v1/subscriptions/unsubscribe',
        tag: 'subscriptions',
        summary: method === 'GET' ? 'Unsubscribe (the link in every customer message)' : 'One-click unsubscribe (RFC 8058 List-Unsubscribe-Post)',
        role: 'public',
        query: tokenQuery,
        handler: async ({ query }) => {
          const s = await comms.subscribers.unsubscribe(query.token);
          return { id: s.id, status: s.status, message: 'unsubscribed: you will receive no more incident updates' };
        },
      }),
    ),
    route<object, { status?: 'pending' | 'active' | 'unsubscribed' }>({
      method: 'GET',
      path: '/v1/subscriptions',
      tag: 'subscriptions',
      summary: 'List subscribers',
      role: 'admin',
      query: z.object({ status: z.enum(['pending', 'active', 'unsubscribed']).optional() }).strict(),
      handler: async ({ query }) => ({
        subscribers: (await comms.subscribers.list(query.status)).map((s) => ({
          id: s.id,
          kind: s.kind,
          address: s.address,
          components: s.components,
          status: s.status,
          createdAt: new Date(s.createdAt).toISOString(),
        })),
      }),
    }),
  ];
}
