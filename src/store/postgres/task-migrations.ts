import type { Migration } from '../migrations.js';

/** Tasks of the tasks extension (versions 40-49). */
export const POSTGRES_TASK_MIGRATIONS: readonly Migration[] = [
  {
    version: 40,
    name: 'tasks',
    statements: [
      // No foreign key to continuum_sessions: a task outlives nothing but its ttl, which always is set.
      `CREATE TABLE continuum_tasks (
        id TEXT PRIMARY KEY,
        session_id TEXT NOT NULL,
        method TEXT NOT NULL,
        status TEXT NOT NULL,
        status_message TEXT,
        request TEXT NOT NULL,
        outcome TEXT,
        owner_node TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        updated_at BIGINT NOT NULL,
        ttl BIGINT NOT NULL,
        poll_interval BIGINT NOT NULL
      )`,
      `CREATE INDEX continuum_tasks_session ON continuum_tasks (session_id, created_at)`,
      `CREATE INDEX continuum_tasks_status ON continuum_tasks (status)`,
    ],
  },
];
