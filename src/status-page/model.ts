/**
 * How the public page reads the control plane: a component's status from the open incidents that name
 * it (by severity), the maintenance windows in progress on it, and an operator's override (which wins);
 * the page's indicator from those; and the daily uptime the bars show, from recorded status history.
 */
import type { Incident, Severity } from '../incidents/model.js';
import { isActive, type Maintenance } from '../maintenance/model.js';

/** Statuspage's component statuses, from best to worst (the order ranks them). */
export const COMPONENT_STATUSES = ['operational', 'under_maintenance', 'degraded_performance', 'partial_outage', 'major_outage'] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export const INDICATORS = ['none', 'minor', 'major', 'critical'] as const;
export type Indicator = (typeof INDICATORS)[number];

/** Statuspage's public incident statuses (ours add declined and merged, which the page does not show). */
export const PUBLIC_INCIDENT_STATUSES = ['investigating', 'identified', 'monitoring', 'resolved', 'postmortem'] as const;
export type PublicIncidentStatus = (typeof PUBLIC_INCIDENT_STATUSES)[number];

export const STATUS_LABEL: Record<ComponentStatus, string> = {
  operational: 'Operational',
  under_maintenance: 'Under maintenance',
  degraded_performance: 'Degraded performance',
  partial_outage: 'Partial outage',
  major_outage: 'Major outage',
};

/** The plan's severities as Statuspage impacts: P0 complete outage, P1 regional failure, P2/P3 degradation. */
export const IMPACT_OF: Record<Severity, Exclude<Indicator, 'none'>> = { P0: 'critical', P1: 'major', P2: 'minor', P3: 'minor' };

/** What an open incident does to the components it names. */
export const COMPONENT_STATUS_OF: Record<Severity, ComponentStatus> = {
  P0: 'major_outage',
  P1: 'partial_outage',
  P2: 'degraded_performance',
  P3: 'degraded_performance',
};

export function rank(s: ComponentStatus): number {
  return COMPONENT_STATUSES.indexOf(s);
}

export function worst(statuses: Iterable<ComponentStatus>): ComponentStatus {
  let w: ComponentStatus = 'operational';
  for (const s of statuses) if (rank(s) > rank(w)) w = s;
  return w;
}

/** An operator's override of one component's status (stream `component:<id>`). */
export interface Override {
  component: string;
  status: ComponentStatus;
  reason: string;
  at: number;
  actor: string;
}

/** The incidents the public page shows: real ones (not drills or tabletop exercises), not declined or merged. */
export function isPublicIncident(i: Incident): boolean {
  return i.mode === 'real' && i.status !== 'declined' && i.status !== 'merged';
}

export function isOpenIncident(i: Incident): boolean {
  return i.status === 'investigating' || i.status === 'identified' || i.status === 'monitoring';
}

/** An open incident's effect on its components; once mitigated (monitoring) it is at most degraded. */
export function incidentComponentStatus(i: Incident): ComponentStatus {
  const s = COMPONENT_STATUS_OF[i.severity];
  return i.status === 'monitoring' && rank(s) > rank('degraded_performance') ? 'degraded_performance' : s;
}

export function componentStatus(component: string, open: Iterable<Incident>, maintenances: Iterable<Maintenance>, override: Override | undefined): ComponentStatus {
  if (override) return override.status;
  let s: ComponentStatus = 'operational';
  for (const m of maintenances) if (isActive(m) && m.components.includes(component)) s = 'under_maintenance';
  for (const i of open) {
    if (isPublicIncident(i) && isOpenIncident(i) && i.components.includes(component)) s = worst([s, incidentComponentStatus(i)]);
  }
  return s;
}

const INDICATOR_OF_STATUS: Record<ComponentStatus, Indicator> = {
  operational: 'none',
  under_maintenance: 'none',
  degraded_performance: 'minor',
  partial_outage: 'major',
  major_outage: 'critical',
};

const DESCRIPTION: Record<Indicator, string> = {
  none: 'All Systems Operational',
  minor: 'Minor Service Outage',
  major: 'Partial System Outage',
  critical: 'Major System Outage',
};

/** The page's overall status: the worst of the open incidents' impacts and the components' statuses. */
export function pageStatus(components: ComponentStatus[], openImpacts: Indicator[]): { indicator: Indicator; description: string } {
  let indicator: Indicator = 'none';
  for (const x of [...components.map((s) => INDICATOR_OF_STATUS[s]), ...openImpacts]) {
    if (INDICATORS.indexOf(x) > INDICATORS.indexOf(indicator)) indicator = x;
  }
  const description = indicator === 'none' && components.includes('under_maintenance') ? 'Service Under Maintenance' : DESCRIPTION[indicator];
  return { indicator, description };
}

/** A component's status from `at` on. */
export interface Transition {
  at: number;
  status: ComponentStatus;
}

export interface UptimeDay {
  /** Start of the day in the page's time zone, ms since epoch. */
  start: number;
  /** YYYY-MM-DD in the page's time zone. */
  date: string;
  /** null: no recorded history covers that day. */
  uptime: number | null;
  worst: ComponentStatus;
  /** Minutes of major and partial outage. */
  majorMinutes: number;
  partialMinutes: number;
}

/** Statuspage's weighting: a major outage counts fully as downtime, a partial outage at 30 %. */
const DOWNTIME_WEIGHT: Partial<Record<ComponentStatus, number>> = { major_outage: 1, partial_outage: 0.3 };
const DAY = 86_400_000;

/** Offset of `timeZone` from UTC at `t`, in ms (positive east of Greenwich). */
export function zoneOffset(t: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' }).formatToParts(t);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour') % 24, get('minute'), get('second'));
  return asUtc - Math.floor(t / 1000) * 1000;
}

export function startOfDay(t: number, timeZone: string): number {
  const offset = zoneOffset(t, timeZone);
  const local = Math.floor((t + offset) / DAY) * DAY;
  return local - zoneOffset(local - offset, timeZone);
}

/**
 * Daily uptime over the last `days` days (oldest first) from a component's transitions (sorted by time).
 * Days before `since` (when history starts) have no data.
 */
export function dailyUptime(transitions: Transition[], since: number, now: number, days: number, timeZone: string): UptimeDay[] {
  const out: UptimeDay[] = [];
  let dayStart = startOfDay(now, timeZone);
  const starts: number[] = [dayStart];
  for (let i = 1; i < days; i++) {
    dayStart = startOfDay(dayStart - DAY / 2, timeZone);
    starts.unshift(dayStart);
  }
  let ti = 0;
  let current: ComponentStatus = 'operational';
  for (let d = 0; d < starts.length; d++) {
    const start = starts[d];
    const end = Math.min(d + 1 < starts.length ? starts[d + 1] : start + DAY, now);
    const date = new Date(start + zoneOffset(start, timeZone)).toISOString().slice(0, 10);
    while (ti < transitions.length && transitions[ti].at <= start) current = transitions[ti++].status;
    if (end <= since || end <= start) {
      out.push({ start, date, uptime: null, worst: 'operational', majorMinutes: 0, partialMinutes: 0 });
      continue;
    }
    const from = Math.max(start, since);
    let t = from;
    let w: ComponentStatus = current;
    const spent: Partial<Record<ComponentStatus, number>> = {};
    while (ti < transitions.length && transitions[ti].at < end) {
      const at = Math.max(transitions[ti].at, from);
      spent[current] = (spent[current] ?? 0) + (at - t);
      t = at;
      current = transitions[ti++].status;
      w = worst([w, current]);
    }
    spent[current] = (spent[current] ?? 0) + (end - t);
    const span = end - from;
    let down = 0;
    for (const [s, ms] of Object.entries(spent)) down += (DOWNTIME_WEIGHT[s as ComponentStatus] ?? 0) * ms;
    out.push({
      start,
      date,
      uptime: span > 0 ? Math.max(0, 1 - down / span) : null,
      worst: w,
      majorMinutes: Math.round((spent.major_outage ?? 0) / 60_000),
      partialMinutes: Math.round((spent.partial_outage ?? 0) / 60_000),
    });
  }
  return out;
}

/** Uptime over the whole window (days with data only), as a fraction. */
export function overallUptime(days: UptimeDay[]): number | null {
  const withData = days.filter((d) => d.uptime !== null);
  if (withData.length === 0) return null;
  return withData.reduce((a, d) => a + (d.uptime as number), 0) / withData.length;
}
