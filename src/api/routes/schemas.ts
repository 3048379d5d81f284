/** Request schemas shared by the REST routes and the MCP tools, so both accept the same input. */
import { z } from 'zod';
import { MODES, OPEN_STATUSES, SEVERITIES } from '../../incidents/model.js';

const text = (max: number) => z.string().trim().min(1).max(max);

export const declareBody = z
  .object({
    title: text(200),
    severity: z.enum(SEVERITIES).describe('P0 complete outage, P1 regional failure, P2 degradation, P3 minor'),
    mode: z.enum(MODES).optional().describe('real (default), drill (pages say DRILL), tabletop (no pages)'),
    components: z.array(text(100)).max(50).optional(),
    impact: z.string().max(2000).optional(),
    summary: z.string().max(10_000).optional(),
    startedAt: z.iso.datetime({ offset: true }).optional().describe('when the problem started, if before now'),
  })
  .strict()
  .meta({ id: 'DeclareIncident' });

export const updateBody = z
  .object({
    status: z.enum([...OPEN_STATUSES, 'postmortem']).optional().describe('resolve with POST .../resolve'),
    severity: z.enum(SEVERITIES).optional(),
    message: z.string().trim().min(1).max(10_000).optional(),
    external: z.boolean().optional().describe('the message was posted externally: resets the update-cadence reminder'),
    title: text(200).optional(),
    components: z.array(text(100)).max(50).optional(),
    impact: z.string().max(2000).optional(),
    summary: z.string().max(10_000).optional(),
    mitigated: z.literal(true).optional(),
    failover: z.literal(true).optional().describe('a failover completed: external updates are then due every 4 hours'),
  })
  .strict()
  .meta({ id: 'UpdateIncident' });

export const resolveBody = z.object({ message: z.string().trim().min(1).max(10_000).optional() }).strict();
export const declineBody = z.object({ reason: z.string().trim().min(1).max(2000).optional() }).strict();
export const mergeBody = z.object({ into: text(64) }).strict();
export const roleBody = z.object({ role: text(64), assignee: text(64).optional().describe('a person key; omit for whoever is on call') }).strict();
export const pinBody = z.object({ pinned: z.boolean().default(true) }).strict();

export const incidentId = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an incident id such as INC-20250101-0A1B2C') });
export const listQuery = z.object({ status: z.enum(['open', 'closed', 'all']).default('all') }).strict();

export const signalBody = z
  .object({
    kind: text(64).describe('all-nodes-down, region-down, store-unreachable, slo-burn, synthetic-failed, component-down, alert, or your own'),
    key: text(200).describe('correlation key: signals with the same key join one open incident'),
    summary: text(500),
    severity: z.enum(SEVERITIES).optional().describe('used only when no detection rule matches'),
    labels: z.record(z.string(), z.string()).optional(),
    components: z.array(text(100)).max(50).optional(),
    resolved: z.boolean().optional(),
  })
  .strict()
  .meta({ id: 'Signal' });
