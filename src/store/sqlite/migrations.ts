import type { Migration } from '../migrations.js';
import { SQLITE_CLUSTER_MIGRATIONS } from './cluster-migrations.js';
import { SQLITE_CONTROL_MIGRATIONS } from './control-migrations.js';
import { SQLITE_TASK_MIGRATIONS } from './task-migrations.js';
import { SQLITE_OUTBOX_MIGRATIONS } from './outbox-migrations.js';

export const SQLITE_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and events',
    statements: [
      `CREATE TABLE continuum_sessions (
        id TEXT PRIMARY KEY,
        protocol_version TEXT NOT NULL,
        initialize_request TEXT NOT NULL,
        client_info TEXT,
        principal TEXT,
        log_level TEXT,
        subscriptions TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at INTEGER NOT NULL,
        last_active_at INTEGER NOT NULL,
        version INTEGER NOT NULL
      )`,
      `CREATE INDEX continuum_sessions_last_active ON continuum_sessions (last_active_at)`,
      // AUTOINCREMENT (not plain rowid) so a seq is never reused after the newest events are deleted:
      // SSE clients hold seqs as Last-Event-ID.
      `CREATE TABLE continuum_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        session_id TEXT NOT NULL REFERENCES continuum_sessions (id) ON DELETE CASCADE,
        stream_id TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`,
      // Serves replay (session, stream, seq > n) and the cascade from continuum_sessions.
      `CREATE INDEX continuum_events_stream ON continuum_events (session_id, stream_id, seq)`,
      `CREATE INDEX continuum_events_created ON continuum_events (created_at)`,
    ],
  },
  // Cluster: nodes, leases, bus (versions 2-9).
  ...SQLITE_CLUSTER_MIGRATIONS,
  // Control plane (versions 20-39).
  ...SQLITE_CONTROL_MIGRATIONS,
  // Tasks (versions 40-49).
  ...SQLITE_TASK_MIGRATIONS,
  // Communications outbox and subscribers (versions 60-69).
  ...SQLITE_OUTBOX_MIGRATIONS,
];
