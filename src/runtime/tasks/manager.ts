/**
 * Runs task-augmented tools/call for 2025-era sessions and answers tasks/* from the store, on any node.
 * A task is recorded before the client learns of it, every status change is committed before it is
 * visible, and the work runs in the background on the node that accepted it (through the session's
 * server instance, under an internal request id the client never sees).
 */
import type { Logger } from 'pino';
import type { Clock } from '../../core/clock.js';
import { randomId, type Random } from '../../core/random.js';
import { errorResponse, INTERNAL_ERROR, isObject, type JsonRpcRequest, type JsonRpcResponse } from '../../protocol/jsonrpc.js';
import type { JsonObject, MessageBus, TaskRecord, TaskStore } from '../../store/port.js';
import { repeat } from '../../core/repeat.js';
import { isTerminalTaskStatus } from '../../store/task-port.js';
import type { DeliveryExtra } from '../legacy/session-transport.js';
import { RELATED_TASK_META_KEY, TASK_METHODS, taskParams, toWireTask } from './wire.js';

const INVALID_PARAMS = -32602;

/** What the manager needs of a live session. */
export interface TaskSession {
  readonly id: string;
  /** Sends a request of Continuum's own to the server; `id` is the internal request id. */
  callWithId(method: string, params: Record<string, unknown> | undefined, extra?: DeliveryExtra): { id: string; response: Promise<JsonRpcResponse> };
  /** Tells the server a request of Continuum's own is cancelled. */
  cancelInternal(id: string, reason: string): void;
}

export interface TaskManagerOptions {
  tasks: TaskStore;
  clock: Clock;
  random: Random;
  /** Who owns the tasks started here: this process (see taskOwnerId), published with its heartbeats. */
  ownerId: string;
  log: Logger;
  /** ttl when the client asks for none (ms). */
  defaultTtlMs?: number;
  /** Longest ttl granted (ms): every task is deleted eventually. */
  maxTtlMs?: number;
  /** pollInterval suggested to clients (ms). */
  pollIntervalMs?: number;
  /** How often a blocked tasks/result re-reads the store (ms). */
  resultPollMs?: number;
  /** Carries cancellations to the node running the task (hints: the owner also re-reads its running
   * tasks every `cancelCheckMs`, in case a hint is missed). */
  bus?: MessageBus;
  cancelCheckMs?: number;
  /** Called when work running here stops because the task was cancelled (on this node or another). */
  onWorkStopped?: (reason: 'cancelled') => void;
}

/** Bus channel of cancellation hints: payload {sessionId, taskId}. */
export const TASK_CANCEL_CHANNEL = 'continuum.tasks.cancel';
/** Bus channel of "this task reached a terminal status" hints, which wake blocked tasks/result calls. */
export const TASK_DONE_CHANNEL = 'continuum.tasks.done';

/**
 * The owner id of one node process: its node id and a per-process token, so that the tasks of a process
 * that died count as orphans even when a new process comes back under the same node id at once.
 */
export function taskOwnerId(nodeId: string, random: Random): string {
  return `${nodeId}/${randomId(random, 6)}`;
}

export class TaskManager {
  /** Tasks running on this node: task id -> the session and internal request id running it. */
  private readonly running = new Map<string, { session: TaskSession; callId: string }>();
  private readonly defaultTtl: number;
  private readonly maxTtl: number;
  private readonly pollInterval: number;
  private readonly resultPoll: number;

  /** Blocked tasks/result calls on this node: task id -> wake-ups. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private unsubscribe?: () => Promise<void>;
  private checkLoop?: { stop(): void };

  constructor(private readonly o: TaskManagerOptions) {
    this.defaultTtl = o.defaultTtlMs ?? 3_600_000;
    this.maxTtl = o.maxTtlMs ?? 86_400_000;
    this.pollInterval = o.pollIntervalMs ?? 500;
    // With a bus, completion is announced and the poll is only a safety net.
    this.resultPoll = o.resultPollMs ?? (o.bus ? 1000 : 100);
  }

  /** Listens for cancellations made on other nodes of tasks running here. */
  async start(): Promise<void> {
    if (this.o.bus) {
      this.unsubscribe = await this.o.bus.subscribe((m) => {
        if (m.channel === TASK_DONE_CHANNEL && typeof m.payload.taskId === 'string') return this.wake(m.payload.taskId);
        if (m.channel !== TASK_CANCEL_CHANNEL || typeof m.payload.taskId !== 'string' || !this.running.has(m.payload.taskId)) return;
        void this.stopIfCancelled(m.payload.taskId).catch(() => undefined);
      });
    }
    this.checkLoop = repeat(this.o.cancelCheckMs ?? 5000, async () => {
      for (const id of [...this.running.keys()]) await this.stopIfCancelled(id);
    }, (err) => this.o.log.debug({ err: err.message }, 'could not re-read running tasks'));
  }

  async stop(): Promise<void> {
    this.checkLoop?.stop();
    await this.unsubscribe?.();
  }

  /** Stops the work of a task running here once the store says it was cancelled. */
  private async stopIfCancelled(taskId: string): Promise<void> {
    const run = this.running.get(taskId);
    if (!run) return;
    const task = await this.o.tasks.getTask(run.session.id, taskId);
    if (task?.status !== 'cancelled' || this.running.get(taskId) !== run) return;
    this.running.delete(taskId);
    run.session.cancelInternal(run.callId, 'task cancelled');
    this.o.onWorkStopped?.('cancelled');
  }

  /** Whether Continuum answers this request itself (tasks/*, or a task-augmented tools/call). */
  handles(m: JsonRpcRequest): boolean {
    return TASK_METHODS.has(m.method) || taskParams(m) !== undefined;
  }

  /** The response to a request `handles` accepted. Never rejects. */
  async handle(session: TaskSession, m: JsonRpcRequest, extra?: DeliveryExtra): Promise<JsonRpcResponse> {
    try {
      switch (m.method) {
        case 'tasks/get':
          return await this.withTask(session, m, (t) => ok(m, toWireTask(t)));
        case 'tasks/result':
          return await this.result(session, m);
        case 'tasks/list':
          return ok(m, { tasks: (await this.o.tasks.listTasks(session.id)).map(toWireTask) });
        case 'tasks/cancel':
          return await this.withTask(session, m, (t) => this.cancel(session, m, t));
        default:
          return await this.create(session, m, extra);
      }
    } catch (err) {
      this.o.log.warn({ err: (err as Error).message, sessionId: session.id, method: m.method }, 'task request failed');
      return errorResponse(m.id, INTERNAL_ERROR, `Task request failed: ${(err as Error).message}`);
    }
  }

  private async create(session: TaskSession, m: JsonRpcRequest, extra?: DeliveryExtra): Promise<JsonRpcResponse> {
    const requested = taskParams(m) ?? {};
    const { task: _task, ...params } = m.params ?? {};
    const now = this.o.clock.now();
    const ttl = Math.max(1000, Math.min(this.maxTtl, Math.floor(requested.ttl ?? this.defaultTtl)));
    const record: TaskRecord = {
      id: randomId(this.o.random),
      sessionId: session.id,
      method: m.method,
      status: 'working',
      statusMessage: null,
      request: params as JsonObject,
      outcome: null,
      ownerNode: this.o.ownerId,
      createdAt: now,
      updatedAt: now,
      ttl,
      pollInterval: this.pollInterval,
    };
    await this.o.tasks.createTask(record);
    this.run(session, record, extra);
    return ok(m, { task: toWireTask(record) });
  }

  private run(session: TaskSession, task: TaskRecord, extra?: DeliveryExtra): void {
    const { id: callId, response } = session.callWithId(task.method, task.request, extra);
    this.running.set(task.id, { session, callId });
    void response
      .then(async (r) => {
        this.running.delete(task.id);
        const isError = !r.error && isObject(r.result) && r.result.isError === true;
        await this.o.tasks.updateTask(task.sessionId, task.id, {
          status: r.error || isError ? 'failed' : 'completed',
          statusMessage: r.error ? r.error.message : isError ? 'The tool reported an error' : null,
          outcome: (r.error ? { error: r.error } : { result: r.result ?? {} }) as JsonObject,
          at: this.o.clock.now(),
        });
        this.announceDone(task.id);
      })
      .catch((err: Error) => this.o.log.error({ err: err.message, taskId: task.id }, 'could not record the end of a task'));
  }

  private async withTask(session: TaskSession, m: JsonRpcRequest, then: (t: TaskRecord) => JsonRpcResponse | Promise<JsonRpcResponse>): Promise<JsonRpcResponse> {
    const found = await this.lookup(session, m);
    return 'jsonrpc' in found ? found : then(found);
  }

  /** The task a tasks/* request names, or the error response saying why there is none. */
  private async lookup(session: TaskSession, m: JsonRpcRequest): Promise<TaskRecord | JsonRpcResponse> {
    const taskId = m.params?.taskId;
    if (typeof taskId !== 'string') return errorResponse(m.id, INVALID_PARAMS, 'Invalid params: taskId is required');
    return (await this.o.tasks.getTask(session.id, taskId)) ?? errorResponse(m.id, INVALID_PARAMS, `Task not found: ${taskId}`);
  }

  /** tasks/result: waits until the task is terminal, then returns what the underlying request returned. */
  private async result(session: TaskSession, m: JsonRpcRequest): Promise<JsonRpcResponse> {
    for (;;) {
      const found = await this.lookup(session, m);
      if ('jsonrpc' in found) return found;
      if (isTerminalTaskStatus(found.status)) return payload(m, found);
      await this.waitForChange(found.id);
    }
  }

  /** Resolves when the task is announced done (here or through the bus), or after resultPoll. */
  private waitForChange(taskId: string): Promise<void> {
    return new Promise((resolve) => {
      const set = this.waiters.get(taskId) ?? new Set<() => void>();
      this.waiters.set(taskId, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(taskId) === set) this.waiters.delete(taskId);
        resolve();
      };
      const timer = setTimeout(done, this.resultPoll);
      set.add(done);
    });
  }

  private wake(taskId: string): void {
    for (const w of [...(this.waiters.get(taskId) ?? [])]) w();
  }

  private announceDone(taskId: string): void {
    this.wake(taskId);
    void this.o.bus?.publish(TASK_DONE_CHANNEL, { taskId }).catch(() => undefined);
  }

  private async cancel(session: TaskSession, m: JsonRpcRequest, task: TaskRecord): Promise<JsonRpcResponse> {
    if (isTerminalTaskStatus(task.status)) {
      return errorResponse(m.id, INVALID_PARAMS, `Cannot cancel task: already in terminal status '${task.status}'`);
    }
    const updated = await this.o.tasks.updateTask(session.id, task.id, { status: 'cancelled', statusMessage: 'Cancelled by the client', at: this.o.clock.now() });
    if (!updated) return errorResponse(m.id, INVALID_PARAMS, `Task not found: ${task.id}`);
    this.announceDone(task.id);
    // Committed first; then the work stops: here, or on the node running it (told through the bus).
    const run = this.running.get(task.id);
    if (run) {
      this.running.delete(task.id);
      run.session.cancelInternal(run.callId, 'task cancelled');
      this.o.onWorkStopped?.('cancelled');
    } else {
      await this.o.bus?.publish(TASK_CANCEL_CHANNEL, { sessionId: session.id, taskId: task.id }).catch((err: Error) => {
        this.o.log.warn({ err: err.message, taskId: task.id }, 'could not tell the node running a cancelled task; it stops at its next check');
      });
    }
    return ok(m, toWireTask(updated));
  }
}

function ok(m: JsonRpcRequest, result: JsonObject): JsonRpcResponse {
  return { jsonrpc: '2.0', id: m.id, result };
}

/** The terminal task's payload: the underlying result (or error), tagged with the task. */
function payload(m: JsonRpcRequest, t: TaskRecord): JsonRpcResponse {
  const outcome = t.outcome ?? {};
  const error = outcome.error as JsonRpcResponse['error'] | undefined;
  if (error) return { jsonrpc: '2.0', id: m.id, error };
  if (!isObject(outcome.result)) {
    return errorResponse(m.id, INTERNAL_ERROR, t.statusMessage ?? `Task ${t.status}`, { taskId: t.id, status: t.status });
  }
  const result = outcome.result as JsonObject;
  const meta = isObject(result._meta) ? (result._meta as JsonObject) : {};
  return ok(m, { ...result, _meta: { ...meta, [RELATED_TASK_META_KEY]: { taskId: t.id } } });
}
