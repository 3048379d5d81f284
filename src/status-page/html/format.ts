/** Words and dates as the page shows them, in the page's time zone. */
import { STATUS_LABEL, type ComponentStatus, type PublicIncidentStatus } from '../model.js';

export const STATUS_WORDS: Record<PublicIncidentStatus, string> = {
  investigating: 'Investigating',
  identified: 'Identified',
  monitoring: 'Monitoring',
  resolved: 'Resolved',
  postmortem: 'Post-mortem',
};

export const MAINTENANCE_WORDS: Record<string, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  verifying: 'Verifying',
  completed: 'Completed',
};

export const IMPACT_WORDS: Record<string, string> = { none: 'No impact', minor: 'Minor', major: 'Major', critical: 'Critical' };

export const componentWords = (s: ComponentStatus): string => STATUS_LABEL[s];

/** CSS class suffix of a component status. */
export const statusClass = (s: ComponentStatus): string =>
  ({ operational: 'ok', under_maintenance: 'maint', degraded_performance: 'degraded', partial_outage: 'partial', major_outage: 'major' })[s];

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string, kind: 'time' | 'day'): Intl.DateTimeFormat {
  const key = `${timeZone}|${kind}`;
  let f = formatters.get(key);
  if (!f) {
    f =
      kind === 'time'
        ? new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', timeZoneName: 'short' })
        : new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: 'short', day: 'numeric' });
    formatters.set(key, f);
  }
  return f;
}

export const formatTime = (ms: number, timeZone: string): string => formatter(timeZone, 'time').format(ms);
export const formatDay = (ms: number, timeZone: string): string => formatter(timeZone, 'day').format(ms);

export function formatDuration(ms: number): string {
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} days`;
}

export const percent = (x: number | null): string => (x === null ? 'no data' : `${(Math.floor(x * 10_000) / 100).toFixed(2)} %`);
