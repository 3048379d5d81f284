/** The maintenance event types and how each changes a window (a fold over `maintenance:<id>`). */
import type { ControlEvent } from '../store/control-port.js';
import type { Maintenance, MaintenanceStatus } from './model.js';

export const ME = {
  scheduled: 'maintenance.scheduled',
  statusChanged: 'maintenance.status_changed',
  updated: 'maintenance.updated',
  /** Communications sent a notice about the window (announcement, reminder, start, completion, cancellation). */
  noticeSent: 'maintenance.notice_sent',
} as const;

export interface ScheduledData {
  id: string;
  title: string;
  body: string;
  components: string[];
  scheduledFor: number;
  scheduledUntil: number;
  autoStart: boolean;
  autoComplete: boolean;
}

const DEFAULT_BODY: Record<MaintenanceStatus, string> = {
  scheduled: 'Maintenance is scheduled.',
  in_progress: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
  verifying: 'Verification is currently underway for the maintenance items.',
  completed: 'The scheduled maintenance has been completed.',
  cancelled: 'This maintenance has been cancelled.',
};

export function applyMaintenanceEvent(current: Maintenance | null, e: ControlEvent): Maintenance | null {
  const d = e.data as Record<string, unknown>;
  if (e.type === ME.scheduled) {
    const x = d as unknown as ScheduledData;
    return {
      id: x.id,
      title: x.title,
      body: x.body,
      components: [...x.components],
      status: 'scheduled',
      scheduledFor: x.scheduledFor,
      scheduledUntil: x.scheduledUntil,
      autoStart: x.autoStart,
      autoComplete: x.autoComplete,
      createdAt: e.at,
      createdBy: e.actor,
      startedAt: null,
      completedAt: null,
      cancelledAt: null,
      updates: [{ version: e.version, at: e.at, status: 'scheduled', body: x.body || DEFAULT_BODY.scheduled }],
      notices: [],
      version: e.version,
      updatedAt: e.at,
    };
  }
  if (!current) return null;
  const m: Maintenance = structuredClone(current);
  m.version = e.version;
  m.updatedAt = e.at;
  if (e.type === ME.statusChanged) {
    const to = d.to as MaintenanceStatus;
    m.status = to;
    if (to === 'in_progress') m.startedAt ??= e.at;
    if (to === 'completed') m.completedAt = e.at;
    if (to === 'cancelled') m.cancelledAt = e.at;
    m.updates.push({ version: e.version, at: e.at, status: to, body: typeof d.message === 'string' && d.message ? d.message : DEFAULT_BODY[to] });
  } else if (e.type === ME.updated) {
    if (typeof d.message === 'string' && d.message) m.updates.push({ version: e.version, at: e.at, status: m.status, body: d.message });
  } else if (e.type === ME.noticeSent) {
    // A notice changes nothing users see: the window keeps its updatedAt.
    m.updatedAt = current.updatedAt;
    if (typeof d.notice === 'string') m.notices.push(d.notice);
  }
  return m;
}

export function foldMaintenance(events: ControlEvent[]): Maintenance | null {
  return events.reduce<Maintenance | null>(applyMaintenanceEvent, null);
}
