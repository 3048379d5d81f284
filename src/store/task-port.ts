/**
 * Tasks (the 2025-11-25 tasks extension): long-running work a client started with a task-augmented
 * request, recorded so that any node can answer for it and a task whose node died is failed explicitly.
 */
import type { JsonObject } from './port.js';

export type TaskStatus = 'working' | 'input_required' | 'completed' | 'failed' | 'cancelled';

export const TERMINAL_TASK_STATUSES: readonly TaskStatus[] = ['completed', 'failed', 'cancelled'];

export function isTerminalTaskStatus(status: TaskStatus): boolean {
  return TERMINAL_TASK_STATUSES.includes(status);
}

export interface TaskRecord {
  /** Unguessable id, unique across the store. */
  id: string;
  /** A task is scoped to its session: lookups always name both. */
  sessionId: string;
  /** The augmented request's method (tools/call). */
  method: string;
  status: TaskStatus;
  statusMessage: string | null;
  /** The augmented request's params, without `task`. */
  request: JsonObject;
  /** Once terminal: the underlying JSON-RPC outcome, { result } or { error }; null while running. */
  outcome: JsonObject | null;
  /** Node running the work. */
  ownerNode: string;
  /** Milliseconds since epoch. */
  createdAt: number;
  updatedAt: number;
  /** Milliseconds from createdAt after which the task may be deleted. */
  ttl: number;
  /** Suggested polling interval (ms). */
  pollInterval: number;
}

/** A status change; applied only while the task is not terminal. */
export interface TaskUpdate {
  status: TaskStatus;
  statusMessage?: string | null;
  outcome?: JsonObject | null;
  at: number;
}

export interface TaskStore {
  /** Insert a task. Rejects if the id exists. */
  createTask(task: TaskRecord): Promise<void>;
  /** The task of this session, or null. */
  getTask(sessionId: string, id: string): Promise<TaskRecord | null>;
  /** The tasks of a session, newest first. */
  listTasks(sessionId: string): Promise<TaskRecord[]>;
  /** Applies the update if the task exists and is not terminal (a terminal status is final); returns
   * the task afterwards, or null when it does not exist. */
  updateTask(sessionId: string, id: string, update: TaskUpdate): Promise<TaskRecord | null>;
  /** Fails every non-terminal task whose owner is not in `aliveNodeIds`, with `message`; returns them. */
  failOrphans(aliveNodeIds: string[], message: string, at: number): Promise<TaskRecord[]>;
  /** Deletes tasks whose createdAt + ttl is before `now`; returns how many. */
  deleteExpiredTasks(now: number): Promise<number>;
}
