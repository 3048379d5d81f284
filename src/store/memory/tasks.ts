import { isTerminalTaskStatus, type TaskRecord, type TaskStore, type TaskUpdate } from '../task-port.js';

/** Tasks in process memory. */
export class MemoryTaskStore implements TaskStore {
  private readonly tasks = new Map<string, TaskRecord>();

  async createTask(task: TaskRecord): Promise<void> {
    if (this.tasks.has(task.id)) throw new Error(`task ${task.id} already exists`);
    this.tasks.set(task.id, structuredClone(task));
  }

  async getTask(sessionId: string, id: string): Promise<TaskRecord | null> {
    const t = this.tasks.get(id);
    return t && t.sessionId === sessionId ? structuredClone(t) : null;
  }

  async listTasks(sessionId: string): Promise<TaskRecord[]> {
    return [...this.tasks.values()]
      .filter((t) => t.sessionId === sessionId)
      .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
      .map((t) => structuredClone(t));
  }

  async updateTask(sessionId: string, id: string, update: TaskUpdate): Promise<TaskRecord | null> {
    const t = this.tasks.get(id);
    if (!t || t.sessionId !== sessionId) return null;
    if (!isTerminalTaskStatus(t.status)) apply(t, update);
    return structuredClone(t);
  }

  async failOrphans(aliveNodeIds: string[], message: string, at: number): Promise<TaskRecord[]> {
    const alive = new Set(aliveNodeIds);
    const failed: TaskRecord[] = [];
    for (const t of this.tasks.values()) {
      if (isTerminalTaskStatus(t.status) || alive.has(t.ownerNode)) continue;
      apply(t, { status: 'failed', statusMessage: message, at });
      failed.push(structuredClone(t));
    }
    return failed;
  }

  async deleteExpiredTasks(now: number): Promise<number> {
    let n = 0;
    for (const [id, t] of this.tasks) {
      if (t.createdAt + t.ttl < now) {
        this.tasks.delete(id);
        n++;
      }
    }
    return n;
  }
}

function apply(t: TaskRecord, u: TaskUpdate): void {
  t.status = u.status;
  if (u.statusMessage !== undefined) t.statusMessage = u.statusMessage;
  if (u.outcome !== undefined) t.outcome = structuredClone(u.outcome);
  t.updatedAt = u.at;
}
