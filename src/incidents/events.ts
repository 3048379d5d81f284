/**
 * The incident event types and how each changes an incident. An incident is a stream
 * `incident:<id>` in the control event log; its state and timeline are folds over that stream.
 */
import type { ControlEvent } from '../store/control-port.js';
import type { JsonObject } from '../store/port.js';
import {
  ESCALATION_LEVELS,
  type Incident,
  type IncidentMode,
  type IncidentStatus,
  type RoleAssignment,
  type Severity,
  type TimelineEntry,
} from './model.js';

export const E = {
  declared: 'incident.declared',
  signalReceived: 'incident.signal_received',
  signalRecovered: 'incident.signal_recovered',
  alertResolved: 'incident.alert_resolved',
  severityChanged: 'incident.severity_changed',
  statusChanged: 'incident.status_changed',
  acknowledged: 'incident.acknowledged',
  updated: 'incident.updated',
  mitigated: 'incident.mitigated',
  failoverRecorded: 'incident.failover_recorded',
  roleAssigned: 'incident.role_assigned',
  resolved: 'incident.resolved',
  debriefScheduled: 'incident.debrief_scheduled',
  escalated: 'incident.escalated',
  reminder: 'incident.reminder',
  pageSent: 'incident.page_sent',
  pinned: 'incident.pinned',
  declined: 'incident.declined',
  merged: 'incident.merged',
} as const;

export interface DeclaredData {
  id: string;
  title: string;
  severity: Severity;
  mode: IncidentMode;
  components: string[];
  impact: string;
  summary: string;
  dedupKey: string;
  source: 'manual' | 'signal';
  startedAt: number;
  detectedAt: number;
  roles: RoleAssignment[];
  signal?: { key: string; kind: string; fingerprint?: string };
}

type Data = Record<string, unknown>;
const str = (d: Data, k: string): string => String(d[k] ?? '');
const num = (d: Data, k: string): number => Number(d[k]);

/** Applies one event. Returns the incident as it is after the event (a new object). */
export function applyEvent(current: Incident | null, e: ControlEvent): Incident | null {
  const d = e.data as Data;
  if (e.type === E.declared) {
    const x = d as unknown as DeclaredData;
    const inc: Incident = {
      id: x.id,
      title: x.title,
      severity: x.severity,
      status: 'investigating',
      mode: x.mode,
      components: [...x.components],
      impact: x.impact,
      summary: x.summary,
      dedupKey: x.dedupKey,
      source: x.source,
      declaredBy: e.actor,
      startedAt: x.startedAt,
      detectedAt: x.detectedAt,
      acknowledgedAt: null,
      acknowledgedBy: null,
      mitigatedAt: null,
      resolvedAt: null,
      failoverAt: null,
      roles: x.roles.map((r) => ({ ...r })),
      signals: x.signal ? [{ key: x.signal.key, kind: x.signal.kind, count: 1, firstAt: e.at, lastAt: e.at }] : [],
      alerts: x.signal?.fingerprint ? { [x.signal.fingerprint]: 'firing' } : {},
      escalation: { level: 0, target: null, at: null },
      lastExternalUpdateAt: null,
      lastReminderDueAt: null,
      debriefDueAt: null,
      mergedInto: null,
      version: e.version,
      updatedAt: e.at,
    };
    return inc;
  }
  // Events before a declaration (a stream whose declaration failed) have nothing to apply to.
  if (!current) return null;
  const inc: Incident = structuredClone(current);
  inc.version = e.version;
  inc.updatedAt = e.at;
  switch (e.type) {
    case E.signalReceived: {
      const key = str(d, 'key');
      const joined = inc.signals.find((s) => s.key === key);
      if (joined) {
        joined.count += 1;
        joined.lastAt = e.at;
      } else inc.signals.push({ key, kind: str(d, 'kind'), count: 1, firstAt: e.at, lastAt: e.at });
      if (typeof d.fingerprint === 'string') inc.alerts[d.fingerprint] = 'firing';
      break;
    }
    case E.alertResolved:
      inc.alerts[str(d, 'fingerprint')] = 'resolved';
      break;
    case E.severityChanged:
      inc.severity = d.to as Severity;
      break;
    case E.statusChanged:
      inc.status = d.to as IncidentStatus;
      if (inc.status === 'monitoring') inc.mitigatedAt ??= e.at;
      // Reopening clears the resolution so timers and metrics treat it as open again.
      if (inc.status === 'investigating' || inc.status === 'identified') inc.resolvedAt = null;
      break;
    case E.acknowledged:
      inc.acknowledgedAt ??= e.at;
      inc.acknowledgedBy ??= e.actor;
      break;
    case E.updated: {
      const c = (d.changes ?? {}) as Partial<Pick<Incident, 'title' | 'components' | 'impact' | 'summary'>>;
      if (c.title !== undefined) inc.title = c.title;
      if (c.components !== undefined) inc.components = [...c.components];
      if (c.impact !== undefined) inc.impact = c.impact;
      if (c.summary !== undefined) inc.summary = c.summary;
      if (d.external === true) inc.lastExternalUpdateAt = e.at;
      break;
    }
    case E.mitigated:
      inc.mitigatedAt ??= e.at;
      break;
    case E.failoverRecorded:
      inc.failoverAt ??= e.at;
      break;
    case E.roleAssigned: {
      const a = d as unknown as RoleAssignment;
      const i = inc.roles.findIndex((r) => r.role === a.role);
      if (i >= 0) inc.roles[i] = { ...a };
      else inc.roles.push({ ...a });
      break;
    }
    case E.resolved:
      inc.status = 'resolved';
      inc.resolvedAt = e.at;
      inc.mitigatedAt ??= e.at;
      break;
    case E.debriefScheduled:
      inc.debriefDueAt = num(d, 'dueAt');
      break;
    case E.escalated:
      inc.escalation = { level: num(d, 'level'), target: str(d, 'target'), at: e.at };
      break;
    case E.reminder:
      inc.lastReminderDueAt = num(d, 'dueAt');
      break;
    case E.declined:
      inc.status = 'declined';
      break;
    case E.merged:
      inc.status = 'merged';
      inc.mergedInto = str(d, 'into');
      break;
    default:
      // page_sent, pinned, signal_recovered and unknown (newer) types change no state.
      break;
  }
  return inc;
}

export function foldIncident(events: ControlEvent[]): Incident | null {
  return events.reduce<Incident | null>(applyEvent, null);
}

/** One line per event, for the timeline. */
export function describeEvent(e: ControlEvent): string {
  const d = e.data as Data;
  switch (e.type) {
    case E.declared:
      return `Declared ${str(d, 'severity')} "${str(d, 'title')}" (${str(d, 'mode')}, ${str(d, 'source')})`;
    case E.signalReceived:
      return `Signal ${str(d, 'kind')} (${str(d, 'key')}): ${str(d, 'summary')}`;
    case E.signalRecovered:
      return `Signal recovered ${str(d, 'kind')} (${str(d, 'key')}): ${str(d, 'summary')}`;
    case E.alertResolved:
      return `Alert ${str(d, 'fingerprint')} resolved`;
    case E.severityChanged:
      return `Severity ${str(d, 'from')} -> ${str(d, 'to')}${d.reason ? ` (${str(d, 'reason')})` : ''}`;
    case E.statusChanged:
      return `Status ${str(d, 'from')} -> ${str(d, 'to')}`;
    case E.acknowledged:
      return `Acknowledged by ${e.actor}`;
    case E.updated:
      return `${d.external ? 'External update' : 'Update'}${d.message ? `: ${str(d, 'message')}` : ''}${Object.keys((d.changes ?? {}) as object).length ? ` (changed ${Object.keys(d.changes as object).join(', ')})` : ''}`;
    case E.mitigated:
      return 'Mitigated';
    case E.failoverRecorded:
      return 'Failover completed';
    case E.roleAssigned:
      return `${str(d, 'title')}: ${d.assignee ? str(d, 'assignee') : 'unassigned'}`;
    case E.resolved:
      return `Resolved${d.message ? `: ${str(d, 'message')}` : ''}`;
    case E.debriefScheduled:
      return `Debrief due by ${new Date(num(d, 'dueAt')).toISOString()}`;
    case E.escalated:
      return `Escalated to ${ESCALATION_LEVELS.find((l) => l.key === d.target)?.title ?? str(d, 'target')} (unacknowledged past ${Math.round(num(d, 'responseMs') / 60_000)} min)`;
    case E.reminder:
      if (d.kind === 'debrief-overdue') return `Reminder: the debrief was due by ${new Date(num(d, 'dueAt')).toISOString()} and has not been held`;
      return `Reminder: post an external update (every ${Math.round(num(d, 'cadenceMs') / 60_000)} min)`;
    case E.pageSent: {
      const results = (d.results ?? []) as { receiver: string; ok: boolean }[];
      return `Paged (${str(d, 'action')}, ${str(d, 'kind')}): ${results.map((r) => `${r.receiver} ${r.ok ? 'ok' : 'FAILED'}`).join(', ') || 'no receivers'}`;
    }
    case E.pinned:
      return `${d.pinned ? 'Pinned' : 'Unpinned'} event ${num(d, 'targetVersion')}`;
    case E.declined:
      return `Declined${d.reason ? `: ${str(d, 'reason')}` : ''}`;
    case E.merged:
      return `Merged into ${str(d, 'into')}`;
    default:
      return e.type;
  }
}

export function timelineOf(events: ControlEvent[]): TimelineEntry[] {
  const pinned = new Map<number, boolean>();
  for (const e of events) if (e.type === E.pinned) pinned.set(Number(e.data.targetVersion), e.data.pinned === true);
  return events.map((e) => ({
    version: e.version,
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    type: e.type,
    what: describeEvent(e),
    details: e.data as JsonObject,
    pinned: pinned.get(e.version) ?? false,
  }));
}
