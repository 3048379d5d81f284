/**
 * The documented Statuspage v2 public JSON shape (field names and enums), as zod schemas the tests
 * check every endpoint against. Objects are not strict: Statuspage readers ignore fields they do not
 * know, and ours adds `freshness`.
 */
import { z } from 'zod';

const iso = z.iso.datetime({ offset: true });
export const componentStatus = z.enum(['operational', 'degraded_performance', 'partial_outage', 'major_outage', 'under_maintenance']);
export const incidentStatus = z.enum(['investigating', 'identified', 'monitoring', 'resolved', 'postmortem']);
export const maintenanceStatus = z.enum(['scheduled', 'in_progress', 'verifying', 'completed']);
export const impact = z.enum(['none', 'minor', 'major', 'critical']);

export const page = z.object({ id: z.string().min(1), name: z.string(), url: z.url(), time_zone: z.string(), updated_at: iso });

export const component = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: componentStatus,
  created_at: iso,
  updated_at: iso,
  position: z.number().int(),
  description: z.string().nullable(),
  showcase: z.boolean(),
  start_date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).nullable(),
  group_id: z.string().nullable(),
  page_id: z.string(),
  group: z.boolean(),
  only_show_if_degraded: z.boolean(),
  components: z.array(z.string()).optional(),
});

const affected = z.object({ code: z.string(), name: z.string(), old_status: componentStatus, new_status: componentStatus });

const update = <S extends z.ZodType>(status: S) =>
  z.object({
    id: z.string().min(1),
    status,
    body: z.string(),
    incident_id: z.string(),
    created_at: iso,
    updated_at: iso,
    display_at: iso,
    affected_components: z.array(affected).nullable(),
    deliver_notifications: z.boolean(),
    custom_tweet: z.string().nullable(),
    tweet_id: z.string().nullable(),
  });

export const incident = z.object({
  id: z.string().min(1),
  name: z.string(),
  status: incidentStatus,
  created_at: iso,
  updated_at: iso,
  monitoring_at: iso.nullable(),
  resolved_at: iso.nullable(),
  impact,
  shortlink: z.url(),
  started_at: iso,
  page_id: z.string(),
  incident_updates: z.array(update(incidentStatus)),
  components: z.array(component),
});

export const maintenance = incident.extend({
  status: maintenanceStatus,
  impact: z.enum(['none', 'minor', 'major', 'critical', 'maintenance']),
  incident_updates: z.array(update(maintenanceStatus)),
  scheduled_for: iso,
  scheduled_until: iso,
});

export const status = z.object({ indicator: impact, description: z.string() });

export const DOCUMENTS = {
  'summary.json': z.object({ page, components: z.array(component), incidents: z.array(incident), scheduled_maintenances: z.array(maintenance), status }),
  'status.json': z.object({ page, status }),
  'components.json': z.object({ page, components: z.array(component) }),
  'incidents.json': z.object({ page, incidents: z.array(incident) }),
  'incidents/unresolved.json': z.object({ page, incidents: z.array(incident) }),
  'scheduled-maintenances.json': z.object({ page, scheduled_maintenances: z.array(maintenance) }),
  'scheduled-maintenances/upcoming.json': z.object({ page, scheduled_maintenances: z.array(maintenance) }),
  'scheduled-maintenances/active.json': z.object({ page, scheduled_maintenances: z.array(maintenance) }),
} as const;
