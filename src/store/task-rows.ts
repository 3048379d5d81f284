/** Row <-> record mapping for tasks, shared by the SQL adapters (JSON as TEXT, BIGINT through Number()). */
import type { JsonObject } from './port.js';
import type { TaskRecord, TaskStatus } from './task-port.js';

export const TASK_COLUMNS =
  'id, session_id, method, status, status_message, request, outcome, owner_node, created_at, updated_at, ttl, poll_interval';

export interface TaskRow {
  id: string;
  session_id: string;
  method: string;
  status: string;
  status_message: string | null;
  request: string;
  outcome: string | null;
  owner_node: string;
  created_at: number | string;
  updated_at: number | string;
  ttl: number | string;
  poll_interval: number | string;
}

export function taskFromRow(r: TaskRow): TaskRecord {
  return {
    id: r.id,
    sessionId: r.session_id,
    method: r.method,
    status: r.status as TaskStatus,
    statusMessage: r.status_message,
    request: JSON.parse(r.request) as JsonObject,
    outcome: r.outcome === null ? null : (JSON.parse(r.outcome) as JsonObject),
    ownerNode: r.owner_node,
    createdAt: Number(r.created_at),
    updatedAt: Number(r.updated_at),
    ttl: Number(r.ttl),
    pollInterval: Number(r.poll_interval),
  };
}

export function taskToRow(t: TaskRecord): TaskRow {
  return {
    id: t.id,
    session_id: t.sessionId,
    method: t.method,
    status: t.status,
    status_message: t.statusMessage,
    request: JSON.stringify(t.request),
    outcome: t.outcome === null ? null : JSON.stringify(t.outcome),
    owner_node: t.ownerNode,
    created_at: t.createdAt,
    updated_at: t.updatedAt,
    ttl: t.ttl,
    poll_interval: t.pollInterval,
  };
}

/** SQL condition: the task is not terminal. */
export const TASK_OPEN = `status NOT IN ('completed', 'failed', 'cancelled')`;
