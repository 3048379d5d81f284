import type { TaskRecord, TaskStore, TaskUpdate } from '../task-port.js';
import { TASK_COLUMNS, TASK_OPEN, taskFromRow, taskToRow, type TaskRow } from '../task-rows.js';
import type { PostgresPool } from './pool.js';

/** Tasks in continuum_tasks. Status updates touch open tasks only, so a retry in doubt is harmless. */
export class PostgresTaskStore implements TaskStore {
  constructor(private readonly pool: PostgresPool) {}

  async createTask(task: TaskRecord): Promise<void> {
    const r = taskToRow(task);
    // A retry after an in-doubt failure could hit our own first insert and report a duplicate id.
    await this.pool.run('if-not-committed', (sql) => sql`
      INSERT INTO continuum_tasks (${sql.unsafe(TASK_COLUMNS)})
      VALUES (${r.id}, ${r.session_id}, ${r.method}, ${r.status}, ${r.status_message}, ${r.request}, ${r.outcome},
        ${r.owner_node}, ${r.created_at}, ${r.updated_at}, ${r.ttl}, ${r.poll_interval})`);
  }

  async getTask(sessionId: string, id: string): Promise<TaskRecord | null> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TaskRow[]>`
      SELECT ${sql.unsafe(TASK_COLUMNS)} FROM continuum_tasks WHERE id = ${id} AND session_id = ${sessionId}`);
    return rows.length > 0 ? taskFromRow(rows[0]) : null;
  }

  async listTasks(sessionId: string): Promise<TaskRecord[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TaskRow[]>`
      SELECT ${sql.unsafe(TASK_COLUMNS)} FROM continuum_tasks WHERE session_id = ${sessionId}
       ORDER BY created_at DESC, id COLLATE "C" DESC`);
    return rows.map(taskFromRow);
  }

  async updateTask(sessionId: string, id: string, u: TaskUpdate): Promise<TaskRecord | null> {
    const setMessage = u.statusMessage !== undefined;
    const setOutcome = u.outcome !== undefined;
    const outcome = u.outcome == null ? null : JSON.stringify(u.outcome);
    await this.pool.run('idempotent', (sql) => sql`
      UPDATE continuum_tasks
         SET status = ${u.status},
             status_message = CASE WHEN ${setMessage}::boolean THEN ${u.statusMessage ?? null}::text ELSE status_message END,
             outcome = CASE WHEN ${setOutcome}::boolean THEN ${outcome}::text ELSE outcome END,
             updated_at = ${u.at}
       WHERE id = ${id} AND session_id = ${sessionId} AND ${sql.unsafe(TASK_OPEN)}`);
    return this.getTask(sessionId, id);
  }

  async failOrphans(aliveNodeIds: string[], message: string, at: number): Promise<TaskRecord[]> {
    const rows = await this.pool.run('idempotent', (sql) => sql<TaskRow[]>`
      UPDATE continuum_tasks SET status = 'failed', status_message = ${message}, updated_at = ${at}
       WHERE ${sql.unsafe(TASK_OPEN)} AND NOT (owner_node = ANY(${aliveNodeIds}::text[]))
       RETURNING ${sql.unsafe(TASK_COLUMNS)}`);
    return rows.map(taskFromRow);
  }

  async deleteExpiredTasks(now: number): Promise<number> {
    const result = await this.pool.run('idempotent', (sql) => sql`DELETE FROM continuum_tasks WHERE created_at + ttl < ${now}`);
    return result.count;
  }
}
