/** Maintenance windows as the admin API and the CLI show them (times as ISO 8601). */
import { z } from 'zod';
import type { Maintenance } from './model.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed', 'cancelled'] as const;

export const maintenanceViewSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    body: z.string(),
    components: z.array(z.string()),
    status: z.enum(STATUSES),
    scheduledFor: z.string(),
    scheduledUntil: z.string(),
    autoStart: z.boolean(),
    autoComplete: z.boolean(),
    createdAt: z.string(),
    createdBy: z.string(),
    startedAt: z.string().nullable(),
    completedAt: z.string().nullable(),
    cancelledAt: z.string().nullable(),
    updates: z.array(z.object({ at: z.string(), status: z.enum(STATUSES), body: z.string() })),
    notices: z.array(z.string()).describe('notices sent to subscribers and channels: announced, reminder:<lead ms>, started, completed, cancelled'),
    version: z.number(),
  })
  .meta({ id: 'Maintenance' });

export type MaintenanceView = z.output<typeof maintenanceViewSchema>;

export function maintenanceView(m: Maintenance): MaintenanceView {
  return {
    id: m.id,
    title: m.title,
    body: m.body,
    components: m.components,
    status: m.status,
    scheduledFor: iso(m.scheduledFor)!,
    scheduledUntil: iso(m.scheduledUntil)!,
    autoStart: m.autoStart,
    autoComplete: m.autoComplete,
    createdAt: iso(m.createdAt)!,
    createdBy: m.createdBy,
    startedAt: iso(m.startedAt),
    completedAt: iso(m.completedAt),
    cancelledAt: iso(m.cancelledAt),
    updates: m.updates.map((u) => ({ at: iso(u.at)!, status: u.status, body: u.body })),
    notices: m.notices,
    version: m.version,
  };
}
