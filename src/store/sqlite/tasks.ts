import type Database from 'better-sqlite3';
import type { TaskRecord, TaskStore, TaskUpdate } from '../task-port.js';
import { TASK_COLUMNS, TASK_OPEN, taskFromRow, taskToRow, type TaskRow } from '../task-rows.js';

interface Update {
  sessionId: string;
  id: string;
  status: string;
  setMessage: number;
  statusMessage: string | null;
  setOutcome: number;
  outcome: string | null;
  at: number;
}

function prepare(db: Database.Database) {
  const insert = db.prepare<[TaskRow]>(
    `INSERT INTO continuum_tasks (${TASK_COLUMNS}) VALUES (@id, @session_id, @method, @status, @status_message, @request,
       @outcome, @owner_node, @created_at, @updated_at, @ttl, @poll_interval)`,
  );
  const get = db.prepare<[string, string], TaskRow>(`SELECT ${TASK_COLUMNS} FROM continuum_tasks WHERE id = ? AND session_id = ?`);
  const list = db.prepare<[string], TaskRow>(`SELECT ${TASK_COLUMNS} FROM continuum_tasks WHERE session_id = ? ORDER BY created_at DESC, id DESC`);
  const update = db.prepare<[Update]>(
    `UPDATE continuum_tasks SET status = @status,
       status_message = CASE WHEN @setMessage = 1 THEN @statusMessage ELSE status_message END,
       outcome = CASE WHEN @setOutcome = 1 THEN @outcome ELSE outcome END,
       updated_at = @at
     WHERE id = @id AND session_id = @sessionId AND ${TASK_OPEN}`,
  );
  const open = db.prepare<[], TaskRow>(`SELECT ${TASK_COLUMNS} FROM continuum_tasks WHERE ${TASK_OPEN}`);
  const fail = db.prepare<[string, number, string]>(
    `UPDATE continuum_tasks SET status = 'failed', status_message = ?, updated_at = ? WHERE id = ? AND ${TASK_OPEN}`,
  );
  const expire = db.prepare<[number]>(`DELETE FROM continuum_tasks WHERE created_at + ttl < ?`);
  return {
    insert,
    get,
    list,
    update: db.transaction((u: Update): TaskRow | undefined => {
      update.run(u);
      return get.get(u.id, u.sessionId);
    }),
    failOrphans: db.transaction((alive: string[], message: string, at: number): TaskRow[] => {
      const set = new Set(alive);
      const failed: TaskRow[] = [];
      for (const row of open.all()) {
        if (set.has(row.owner_node)) continue;
        fail.run(message, at, row.id);
        failed.push({ ...row, status: 'failed', status_message: message, updated_at: at });
      }
      return failed;
    }),
    expire,
  };
}

export class SqliteTaskStore implements TaskStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  /** Prepared on first use: the table exists only once migrate() ran. */
  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async createTask(task: TaskRecord): Promise<void> {
    this.s.insert.run(taskToRow(task));
  }

  async getTask(sessionId: string, id: string): Promise<TaskRecord | null> {
    const row = this.s.get.get(id, sessionId);
    return row ? taskFromRow(row) : null;
  }

  async listTasks(sessionId: string): Promise<TaskRecord[]> {
    return this.s.list.all(sessionId).map(taskFromRow);
  }

  async updateTask(sessionId: string, id: string, u: TaskUpdate): Promise<TaskRecord | null> {
    const row = this.s.update.immediate({
      sessionId,
      id,
      status: u.status,
      setMessage: u.statusMessage !== undefined ? 1 : 0,
      statusMessage: u.statusMessage ?? null,
      setOutcome: u.outcome !== undefined ? 1 : 0,
      outcome: u.outcome == null ? null : JSON.stringify(u.outcome),
      at: u.at,
    });
    return row ? taskFromRow(row) : null;
  }

  async failOrphans(aliveNodeIds: string[], message: string, at: number): Promise<TaskRecord[]> {
    return this.s.failOrphans.immediate(aliveNodeIds, message, at).map(taskFromRow);
  }

  async deleteExpiredTasks(now: number): Promise<number> {
    return this.s.expire.run(now).changes;
  }
}
