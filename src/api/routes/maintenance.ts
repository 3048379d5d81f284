import { z } from 'zod';
import type { MaintenanceService } from '../../maintenance/service.js';
import { maintenanceView, maintenanceViewSchema } from '../../maintenance/view.js';
import type { MaintenanceStatus } from '../../maintenance/model.js';
import { ApiError } from '../errors.js';
import { route, type Route } from '../route.js';

const text = (max: number) => z.string().trim().min(1).max(max);
const maintenanceId = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a maintenance id such as MNT-20250101-0A1B2C') });
const scheduleBody = z
  .object({
    title: text(200),
    body: z.string().max(10_000).optional().describe('what will happen and what users may notice'),
    components: z.array(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'component ids: letters, digits, . _ : -')).min(1).max(50),
    scheduledFor: z.iso.datetime({ offset: true }),
    scheduledUntil: z.iso.datetime({ offset: true }),
    autoStart: z.boolean().optional().describe('start at scheduledFor without an operator (default true)'),
    autoComplete: z.boolean().optional().describe('complete at scheduledUntil without an operator (default true)'),
  })
  .strict()
  .meta({ id: 'ScheduleMaintenance' });
const messageBody = z.object({ message: z.string().trim().min(1).max(10_000).optional() }).strict();
const updateBody = z.object({ message: text(10_000) }).strict();
const one = z.object({ maintenance: maintenanceViewSchema });

const STEPS: { path: string; to: MaintenanceStatus; summary: string }[] = [
  { path: 'start', to: 'in_progress', summary: 'Start a window now (its components show under maintenance)' },
  { path: 'verify', to: 'verifying', summary: 'Move a window to verifying' },
  { path: 'complete', to: 'completed', summary: 'Complete a window (its components follow incidents again)' },
  { path: 'cancel', to: 'cancelled', summary: 'Cancel a window (it leaves the status page)' },
];

/** What scheduling says when the window starts sooner than the plan's notice period. */
export function shortNoticeWarning(scheduledFor: number, now: number, minNoticeMs: number): string | null {
  if (scheduledFor - now >= minNoticeMs) return null;
  const hours = (ms: number) => `${Math.max(0, Math.round((ms / 3_600_000) * 10) / 10)} h`;
  return `short notice: the window starts in ${hours(scheduledFor - now)}, less than the ${hours(minNoticeMs)} the plan asks for (maintenance.notices.minNotice); subscribers are told it comes at short notice`;
}

/** Admin routes for scheduled maintenance windows. */
export function maintenanceRoutes(service: MaintenanceService, opts: { minNoticeMs: number }): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/maintenance',
      tag: 'maintenance',
      summary: 'List maintenance windows, latest scheduled first',
      role: 'viewer',
      response: z.object({ maintenance: z.array(maintenanceViewSchema) }),
      handler: async () => ({ maintenance: (await service.list()).map(maintenanceView) }),
    }),
    route<object, object, z.output<typeof scheduleBody>>({
      method: 'POST',
      path: '/v1/maintenance',
      tag: 'maintenance',
      summary: 'Schedule a maintenance window',
      description: 'The plan asks for 72 hours notice; the window shows on the status page at once.',
      role: 'responder',
      body: scheduleBody,
      response: one.extend({ warnings: z.array(z.string()) }),
      status: 201,
      handler: async ({ body, actor }) => {
        const m = await service.schedule({ ...body, scheduledFor: Date.parse(body.scheduledFor), scheduledUntil: Date.parse(body.scheduledUntil) }, actor);
        const warning = shortNoticeWarning(m.scheduledFor, m.createdAt, opts.minNoticeMs);
        return { maintenance: maintenanceView(m), warnings: warning ? [warning] : [] };
      },
    }),
    route<z.output<typeof maintenanceId>>({
      method: 'GET',
      path: '/v1/maintenance/:id',
      tag: 'maintenance',
      summary: 'One maintenance window',
      role: 'viewer',
      params: maintenanceId,
      response: one,
      handler: async ({ params }) => {
        const m = await service.get(params.id);
        if (!m) throw new ApiError(404, 'not_found', `no maintenance ${params.id}; GET /api/v1/maintenance lists them`);
        return { maintenance: maintenanceView(m) };
      },
    }),
    ...STEPS.map((s) =>
      route<z.output<typeof maintenanceId>, object, z.output<typeof messageBody>>({
        method: 'POST',
        path: `/v1/maintenance/:id/${s.path}`,
        tag: 'maintenance',
        summary: s.summary,
        role: 'responder',
        params: maintenanceId,
        body: messageBody,
        response: one,
        handler: async ({ params, body, actor }) => ({ maintenance: maintenanceView(await service.transition(params.id, s.to, body.message, actor)) }),
      }),
    ),
    route<z.output<typeof maintenanceId>, object, z.output<typeof updateBody>>({
      method: 'POST',
      path: '/v1/maintenance/:id/updates',
      tag: 'maintenance',
      summary: 'Post an update to a window',
      role: 'responder',
      params: maintenanceId,
      body: updateBody,
      response: one,
      handler: async ({ params, body, actor }) => ({ maintenance: maintenanceView(await service.update(params.id, body.message, actor)) }),
    }),
  ];
}
