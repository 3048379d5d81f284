/**
 * What templates are rendered from: the incident as it is, with the plan's fields filled in from its
 * timeline and the notice that caused the message. Fields nobody has given yet say so in words, so a
 * message never shows an empty line.
 */
import { SEVERITY_POLICY, type Incident, type TimelineEntry } from '../../incidents/model.js';
import type { JsonObject } from '../../store/port.js';

export interface NoticeData {
  [k: string]: unknown;
  product: string;
  statusPageUrl: string;
  drill: boolean;
  incident: {
    id: string;
    title: string;
    severity: string;
    severityTitle: string;
    status: string;
    mode: string;
    components: string[];
    impact: string;
    summary: string;
    startedAt: string;
    detectedAt: string;
  };
  affected: string;
  currentStatus: string;
  previousStatus: string;
  actionTaken: string;
  nextSteps: string;
  eta: string;
  duration: string;
  rootCause: string;
  prevention: string;
  postmortemUrl: string;
  resolved: boolean;
  escalation: string;
  cadenceMinutes: number;
  reminder: string;
  components: string;
  unsubscribeUrl: string;
  confirmUrl: string;
}

/** Fields an operator may give with a notice (an update's next steps, a new ETA, the root cause). */
export interface NoticeNotes {
  eta?: string;
  nextSteps?: string;
  actionTaken?: string;
  rootCause?: string;
  prevention?: string;
  previousStatus?: string;
  currentStatus?: string;
  escalation?: string;
  cadenceMinutes?: number;
  reminder?: string;
}

export interface DataOptions {
  product: string;
  statusPageUrl: string;
  postmortemUrl: string;
}

const UNKNOWN = 'Not yet known';

/** 1h 05m, 12m, 45s. */
export function humanDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return `${h}h ${String(m).padStart(2, '0')}m`;
  if (m > 0) return `${m}m`;
  return `${s}s`;
}

const STATUS_WORDS: Record<string, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Resolved (post-mortem)',
  declined: 'Declined (not an incident)',
  merged: 'Merged into another incident',
};

export const statusWord = (s: string): string => STATUS_WORDS[s] ?? s;

/** The incident's data for templates; `timeline` supplies the previous status and the last messages. */
export function noticeData(inc: Incident, timeline: TimelineEntry[], notes: NoticeNotes, o: DataOptions, now: number): NoticeData {
  const statusChanges = timeline.filter((t) => t.type === 'incident.status_changed');
  const lastChange = statusChanges.at(-1)?.details as { from?: string } | undefined;
  const messages = timeline
    .filter((t) => (t.type === 'incident.updated' || t.type === 'incident.resolved') && typeof (t.details as JsonObject).message === 'string')
    .map((t) => String((t.details as JsonObject).message));
  const resolvedMessage = timeline.filter((t) => t.type === 'incident.resolved').map((t) => (t.details as JsonObject).message).at(-1);
  const end = inc.resolvedAt ?? now;
  const resolved = inc.resolvedAt !== null && !['investigating', 'identified', 'monitoring'].includes(inc.status);
  return {
    product: o.product,
    statusPageUrl: o.statusPageUrl,
    drill: inc.mode === 'drill',
    incident: {
      id: inc.id,
      title: inc.title,
      severity: inc.severity,
      severityTitle: SEVERITY_POLICY[inc.severity].title,
      status: inc.status,
      mode: inc.mode,
      components: inc.components,
      impact: inc.impact,
      summary: inc.summary,
      startedAt: new Date(inc.startedAt).toISOString(),
      detectedAt: new Date(inc.detectedAt).toISOString(),
    },
    affected: inc.components.length > 0 ? inc.components.join(', ') : inc.impact || 'Under assessment',
    currentStatus: notes.currentStatus ?? statusWord(inc.status),
    previousStatus: notes.previousStatus ?? (lastChange?.from ? statusWord(lastChange.from) : 'Investigating'),
    actionTaken: notes.actionTaken ?? messages.at(-1) ?? (inc.summary || UNKNOWN),
    nextSteps: notes.nextSteps ?? UNKNOWN,
    eta: notes.eta ?? (resolved ? 'Resolved' : UNKNOWN),
    duration: humanDuration(end - inc.startedAt),
    rootCause: notes.rootCause ?? (typeof resolvedMessage === 'string' ? resolvedMessage : 'Under investigation (see the post-mortem)'),
    prevention: notes.prevention ?? 'To be decided at the debrief (within 24 hours)',
    postmortemUrl: o.postmortemUrl.replaceAll('{id}', encodeURIComponent(inc.id)),
    resolved,
    escalation: notes.escalation ?? '',
    cadenceMinutes: notes.cadenceMinutes ?? 15,
    reminder: notes.reminder ?? `Post an external update (every ${notes.cadenceMinutes ?? 15} min during this incident)`,
    components: inc.components.join(', '),
    unsubscribeUrl: '',
    confirmUrl: '',
  };
}
