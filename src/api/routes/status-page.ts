import { z } from 'zod';
import { COMPONENT_STATUSES } from '../../status-page/model.js';
import type { StatusPageService } from '../../status-page/index.js';
import { discoveredName } from '../../status-page/view.js';
import { ApiError } from '../errors.js';
import { route, type Route } from '../route.js';

const componentId = z.object({ id: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/, 'a component id: letters, digits, . _ : -') });
const overrideBody = z
  .object({
    status: z.enum(COMPONENT_STATUSES).describe('the status the page shows until the override is cleared'),
    reason: z.string().trim().min(1).max(500).describe('why (shown on the page and kept in the audit log)'),
  })
  .strict()
  .meta({ id: 'ComponentOverride' });
const clearBody = z.object({ reason: z.string().trim().max(500).optional() }).strict();

const componentView = z
  .object({
    id: z.string(),
    name: z.string(),
    group: z.string().nullable(),
    status: z.enum(COMPONENT_STATUSES),
    override: z.object({ status: z.enum(COMPONENT_STATUSES), reason: z.string(), at: z.string(), actor: z.string() }).nullable(),
  })
  .meta({ id: 'StatusPageComponent' });

/** Admin routes of the status page: components as the page shows them, and operator overrides. */
export function statusPageRoutes(page: StatusPageService): Route[] {
  const list = async () => {
    await page.refresh();
    const p = page.projection;
    const config = new Map(page.config.components.map((c) => [c.id, c]));
    const ids = [...new Set([...config.keys(), ...p.named])];
    return ids.map((id) => {
      const o = p.overrides.get(id);
      return { id, name: config.get(id)?.name ?? discoveredName(id), group: config.get(id)?.group ?? null, status: p.status(id), override: o ? { status: o.status, reason: o.reason, at: new Date(o.at).toISOString(), actor: o.actor } : null };
    });
  };
  return [
    route({
      method: 'GET',
      path: '/v1/status-page/components',
      tag: 'status-page',
      summary: 'Components with the status the public page shows, and any override',
      role: 'viewer',
      response: z.object({ components: z.array(componentView) }),
      handler: async () => ({ components: await list() }),
    }),
    route<z.output<typeof componentId>, object, z.output<typeof overrideBody>>({
      method: 'POST',
      path: '/v1/status-page/components/:id/override',
      tag: 'status-page',
      summary: "Override a component's status on the public page",
      description: 'Wins over what incidents and maintenance say until cleared. Recorded as an event (stream component:<id>) and in the audit log.',
      role: 'responder',
      params: componentId,
      body: overrideBody,
      response: z.object({ component: componentView }),
      handler: async ({ params, body, actor }) => {
        await page.overrides.set(params.id, body.status, body.reason, actor);
        const c = (await list()).find((x) => x.id === params.id)!;
        return { component: c };
      },
    }),
    route<z.output<typeof componentId>, object, z.output<typeof clearBody>>({
      method: 'DELETE',
      path: '/v1/status-page/components/:id/override',
      tag: 'status-page',
      summary: 'Clear an override: the component follows incidents and maintenance again',
      role: 'responder',
      params: componentId,
      body: clearBody,
      response: z.object({ component: componentView }),
      handler: async ({ params, body, actor }) => {
        if (!(await page.overrides.clear(params.id, body?.reason ?? '', actor))) {
          throw new ApiError(404, 'not_found', `${params.id} has no override; GET /api/v1/status-page/components lists them`);
        }
        const c = (await list()).find((x) => x.id === params.id)!;
        return { component: c };
      },
    }),
  ];
}
