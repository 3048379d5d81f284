/**
 * Incidents as the API, the CLI and the MCP tools show them: times as ISO 8601, plus the plan's
 * response time and the MTTD/MTTA/MTTR figures the timestamps give.
 */
import { z } from 'zod';
import { MODES, SEVERITIES, SEVERITY_POLICY, STATUSES, type Incident, type TimelineEntry } from './model.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const secondsBetween = (a: number | null, b: number | null): number | null => (a === null || b === null ? null : Math.round((b - a) / 1000));

const time = z.string().nullable().describe('ISO 8601, or null when it has not happened');

export const incidentViewSchema = z
  .object({
    id: z.string(),
    title: z.string(),
    severity: z.enum(SEVERITIES),
    severityDefinition: z.string(),
    responseTimeMinutes: z.number(),
    status: z.enum(STATUSES),
    mode: z.enum(MODES),
    components: z.array(z.string()),
    impact: z.string(),
    summary: z.string(),
    dedupKey: z.string(),
    source: z.enum(['manual', 'signal']),
    declaredBy: z.string(),
    startedAt: z.string(),
    detectedAt: z.string(),
    acknowledgedAt: time,
    acknowledgedBy: z.string().nullable(),
    mitigatedAt: time,
    resolvedAt: time,
    failoverAt: time,
    debriefDueAt: time,
    mergedInto: z.string().nullable(),
    roles: z.array(z.object({ role: z.string(), title: z.string(), assignee: z.string().nullable(), contact: z.record(z.string(), z.string()).nullable() })),
    signals: z.array(z.object({ key: z.string(), kind: z.string(), count: z.number(), firstAt: z.string(), lastAt: z.string() })),
    alerts: z.record(z.string(), z.enum(['firing', 'resolved'])),
    escalation: z.object({ level: z.number(), target: z.string().nullable(), at: time }),
    metrics: z.object({
      timeToDetectSeconds: z.number().nullable().describe('MTTD: detected - started'),
      timeToAcknowledgeSeconds: z.number().nullable().describe('MTTA: acknowledged - detected'),
      timeToResolveSeconds: z.number().nullable().describe('MTTR: resolved - started'),
    }),
    version: z.number(),
    updatedAt: z.string(),
  })
  .meta({ id: 'Incident' });

export type IncidentView = z.output<typeof incidentViewSchema>;

export const timelineEntrySchema = z
  .object({
    version: z.number().describe('position in the incident stream; pin with POST .../timeline/{version}/pin'),
    at: z.string(),
    actor: z.string(),
    type: z.string(),
    what: z.string(),
    details: z.record(z.string(), z.unknown()),
    pinned: z.boolean(),
  })
  .meta({ id: 'TimelineEntry' });

export function incidentView(i: Incident): IncidentView {
  return {
    id: i.id,
    title: i.title,
    severity: i.severity,
    severityDefinition: SEVERITY_POLICY[i.severity].definition,
    responseTimeMinutes: SEVERITY_POLICY[i.severity].responseMs / 60_000,
    status: i.status,
    mode: i.mode,
    components: i.components,
    impact: i.impact,
    summary: i.summary,
    dedupKey: i.dedupKey,
    source: i.source,
    declaredBy: i.declaredBy,
    startedAt: iso(i.startedAt)!,
    detectedAt: iso(i.detectedAt)!,
    acknowledgedAt: iso(i.acknowledgedAt),
    acknowledgedBy: i.acknowledgedBy,
    mitigatedAt: iso(i.mitigatedAt),
    resolvedAt: iso(i.resolvedAt),
    failoverAt: iso(i.failoverAt),
    debriefDueAt: iso(i.debriefDueAt),
    mergedInto: i.mergedInto,
    roles: i.roles.map((r) => ({ ...r, contact: r.contact ? { ...r.contact } : null })) as IncidentView['roles'],
    signals: i.signals.map((s) => ({ ...s, firstAt: iso(s.firstAt)!, lastAt: iso(s.lastAt)! })),
    alerts: i.alerts,
    escalation: { level: i.escalation.level, target: i.escalation.target, at: iso(i.escalation.at) },
    metrics: {
      timeToDetectSeconds: secondsBetween(i.startedAt, i.detectedAt),
      timeToAcknowledgeSeconds: secondsBetween(i.detectedAt, i.acknowledgedAt),
      timeToResolveSeconds: secondsBetween(i.startedAt, i.resolvedAt),
    },
    version: i.version,
    updatedAt: iso(i.updatedAt)!,
  };
}

export function timelineView(t: TimelineEntry[]): z.output<typeof timelineEntrySchema>[] {
  return t.map((e) => ({ version: e.version, at: iso(e.at)!, actor: e.actor, type: e.type, what: e.what, details: e.details, pinned: e.pinned }));
}

/** A one-screen summary of the open incidents (the "current status" the MCP tool and /v1/status give). */
export function statusSummary(open: Incident[]): { level: 'operational' | 'incident'; worstSeverity: string | null; open: { id: string; severity: string; status: string; title: string; acknowledged: boolean }[] } {
  const real = open.filter((i) => i.mode === 'real');
  const worst = SEVERITIES.find((s) => real.some((i) => i.severity === s)) ?? null;
  return {
    level: real.length > 0 ? 'incident' : 'operational',
    worstSeverity: worst,
    open: open.map((i) => ({ id: i.id, severity: i.severity, status: i.status, title: i.title, acknowledged: i.acknowledgedAt !== null, mode: i.mode })),
  };
}
