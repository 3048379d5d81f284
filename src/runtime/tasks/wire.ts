/**
 * Wire format of the 2025-11-25 tasks extension (basic/utilities/tasks): task objects, the capability
 * Continuum declares for the servers it serves, and how a task-augmented request is recognised.
 */
import { isObject, type JsonRpcRequest } from '../../protocol/jsonrpc.js';
import type { JsonObject, TaskRecord } from '../../store/port.js';

/** The protocol revision that introduced tasks: older sessions are not offered them. */
export const TASKS_FROM = '2025-11-25';

export const RELATED_TASK_META_KEY = 'io.modelcontextprotocol/related-task';

/** The methods Continuum answers itself for every 2025-era session. */
export const TASK_METHODS: ReadonlySet<string> = new Set(['tasks/get', 'tasks/result', 'tasks/list', 'tasks/cancel']);

/** Requests that may be task-augmented (what the capability lists under requests). */
export const AUGMENTABLE_METHODS: ReadonlySet<string> = new Set(['tools/call']);

/** The server capability: tasks can be listed and cancelled, and tools/call can be augmented. */
export const SERVER_TASKS_CAPABILITY = { list: {}, cancel: {}, requests: { tools: { call: {} } } };

/** The `Task` object of the wire format. */
export function toWireTask(t: TaskRecord): JsonObject {
  return {
    taskId: t.id,
    status: t.status,
    ...(t.statusMessage !== null ? { statusMessage: t.statusMessage } : {}),
    createdAt: new Date(t.createdAt).toISOString(),
    lastUpdatedAt: new Date(t.updatedAt).toISOString(),
    ttl: t.ttl,
    pollInterval: t.pollInterval,
  };
}

/** The requested task metadata ({ ttl? }) when the request is task-augmented, else undefined. */
export function taskParams(m: JsonRpcRequest): { ttl?: number } | undefined {
  const task = m.params?.task;
  if (!AUGMENTABLE_METHODS.has(m.method) || !isObject(task)) return undefined;
  return typeof task.ttl === 'number' ? { ttl: task.ttl } : {};
}

/**
 * Marks the tools of a tools/list result that say nothing about tasks as `execution.taskSupport:
 * 'optional'` (absent means forbidden): Continuum runs any tool as a task. A tool's own choice stays.
 */
export function withToolTaskSupport(result: unknown): void {
  if (!isObject(result) || !Array.isArray(result.tools)) return;
  for (const tool of result.tools) {
    if (!isObject(tool)) continue;
    const execution = isObject(tool.execution) ? tool.execution : (tool.execution = {});
    (execution as Record<string, unknown>).taskSupport ??= 'optional';
  }
}

/** Adds the tasks capability to an initialize result (Continuum runs tasks for any server it serves). */
export function withTasksCapability(result: unknown): void {
  if (!isObject(result)) return;
  const caps = isObject(result.capabilities) ? result.capabilities : (result.capabilities = {});
  (caps as Record<string, unknown>).tasks = structuredClone(SERVER_TASKS_CAPABILITY);
}
