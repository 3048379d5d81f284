/**
 * Scheduled maintenance windows, after Statuspage's model: announced ahead (the plan: 72 hours notice),
 * then in progress, verifying, completed. A window is a stream `maintenance:<id>` in the control event
 * log; its components show "under maintenance" while it is in progress or verifying.
 */
export const MAINTENANCE_STATUSES = ['scheduled', 'in_progress', 'verifying', 'completed'] as const;
export type PublicMaintenanceStatus = (typeof MAINTENANCE_STATUSES)[number];
/** Cancelled windows stay in the log but leave the status page and its API. */
export type MaintenanceStatus = PublicMaintenanceStatus | 'cancelled';

export interface MaintenanceUpdate {
  /** Position of the event in the window's stream. */
  version: number;
  at: number;
  status: MaintenanceStatus;
  body: string;
}

export interface Maintenance {
  id: string;
  title: string;
  /** What will happen and what users may notice. */
  body: string;
  components: string[];
  status: MaintenanceStatus;
  scheduledFor: number;
  scheduledUntil: number;
  /** Start at scheduledFor and complete at scheduledUntil without an operator (Statuspage's auto transitions). */
  autoStart: boolean;
  autoComplete: boolean;
  createdAt: number;
  createdBy: string;
  startedAt: number | null;
  completedAt: number | null;
  cancelledAt: number | null;
  updates: MaintenanceUpdate[];
  /** Notices sent to subscribers and channels about this window (communications), in order. */
  notices: string[];
  version: number;
  updatedAt: number;
}

export const MAINTENANCE_STREAM_PREFIX = 'maintenance:';
export const maintenanceStream = (id: string): string => `${MAINTENANCE_STREAM_PREFIX}${id}`;

export function isActive(m: Maintenance): boolean {
  return m.status === 'in_progress' || m.status === 'verifying';
}

/** Which statuses an operator may move a window to from each status. */
export const TRANSITIONS: Record<MaintenanceStatus, readonly MaintenanceStatus[]> = {
  scheduled: ['in_progress', 'cancelled'],
  in_progress: ['verifying', 'completed', 'cancelled'],
  verifying: ['in_progress', 'completed'],
  completed: [],
  cancelled: [],
};
