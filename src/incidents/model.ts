/**
 * The incident model, after the continuity plan: four severities with their response times and
 * escalation targets, a status lifecycle, modes for exercises, and the timestamps that MTTD/MTTA/MTTR
 * are computed from (started, detected, acknowledged, mitigated, resolved).
 */
export const SEVERITIES = ['P0', 'P1', 'P2', 'P3'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Who is told when nobody acknowledges in time, lowest first; escalation climbs this ladder. */
export const ESCALATION_LEVELS = [
  { key: 'engineering-team', title: 'Engineering team' },
  { key: 'engineering-management', title: 'Engineering management' },
  { key: 'senior-engineering', title: 'Senior engineering' },
  { key: 'executive-leadership', title: 'Executive leadership' },
] as const;

export interface SeverityPolicy {
  title: string;
  definition: string;
  /** Acknowledge within this, or the incident escalates. */
  responseMs: number;
  /** Index in ESCALATION_LEVELS of the first escalation target. */
  escalatesTo: number;
}

const MINUTE = 60_000;

export const SEVERITY_POLICY: Record<Severity, SeverityPolicy> = {
  P0: { title: 'Critical', definition: 'Complete system outage affecting all customers', responseMs: 15 * MINUTE, escalatesTo: 3 },
  P1: { title: 'High', definition: 'Regional failure affecting significant portion of customers', responseMs: 30 * MINUTE, escalatesTo: 2 },
  P2: { title: 'Medium', definition: 'Performance degradation or partial service disruption', responseMs: 60 * MINUTE, escalatesTo: 1 },
  P3: { title: 'Low', definition: 'Minor issues affecting specific features or customers', responseMs: 120 * MINUTE, escalatesTo: 0 },
};

/** P0 is the most severe. */
export function moreSevere(a: Severity, b: Severity): boolean {
  return SEVERITIES.indexOf(a) < SEVERITIES.indexOf(b);
}

export const OPEN_STATUSES = ['investigating', 'identified', 'monitoring'] as const;
export const STATUSES = [...OPEN_STATUSES, 'resolved', 'postmortem', 'declined', 'merged'] as const;
export type IncidentStatus = (typeof STATUSES)[number];
export type OpenStatus = (typeof OPEN_STATUSES)[number];

export function isOpen(status: IncidentStatus): boolean {
  return (OPEN_STATUSES as readonly string[]).includes(status);
}

/** real: a live incident. drill: a simulated scenario (pages say so). tabletop: procedures only, no pages. */
export const MODES = ['real', 'drill', 'tabletop'] as const;
export type IncidentMode = (typeof MODES)[number];

export interface Contact {
  name: string;
  phone?: string;
  email?: string;
  slack?: string;
}

export interface RoleAssignment {
  /** Role or extended-team key from the configuration (incident-commander, cloud-operations...). */
  role: string;
  title: string;
  /** Person key, or null when nobody is configured or on call. */
  assignee: string | null;
  contact: Contact | null;
}

/** A signal correlation key joined to the incident, with how often it was seen. */
export interface JoinedSignal {
  key: string;
  kind: string;
  count: number;
  firstAt: number;
  lastAt: number;
}

/** An incident as derived from its events. Times are ms since epoch. */
export interface Incident {
  id: string;
  title: string;
  severity: Severity;
  status: IncidentStatus;
  mode: IncidentMode;
  components: string[];
  impact: string;
  summary: string;
  /** Key every page about this incident carries, so receivers (and several nodes) page once. */
  dedupKey: string;
  source: 'manual' | 'signal';
  declaredBy: string;
  startedAt: number;
  detectedAt: number;
  acknowledgedAt: number | null;
  acknowledgedBy: string | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  failoverAt: number | null;
  roles: RoleAssignment[];
  signals: JoinedSignal[];
  /** Alertmanager alerts by fingerprint. */
  alerts: Record<string, 'firing' | 'resolved'>;
  /** Escalations so far (0 = none) and the last target. */
  escalation: { level: number; target: string | null; at: number | null };
  lastExternalUpdateAt: number | null;
  lastReminderDueAt: number | null;
  debriefDueAt: number | null;
  mergedInto: string | null;
  /** Number of events in the stream (the optimistic-concurrency version). */
  version: number;
  updatedAt: number;
}

export interface TimelineEntry {
  /** Position of the event in the incident's stream: stable, used to pin it. */
  version: number;
  seq: number;
  at: number;
  actor: string;
  type: string;
  /** One line saying what happened. */
  what: string;
  details: Record<string, unknown>;
  pinned: boolean;
}

export const incidentStream = (id: string): string => `incident:${id}`;
export const INCIDENT_STREAM_PREFIX = 'incident:';
