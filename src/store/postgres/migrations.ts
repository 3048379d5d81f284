import type { Migration } from '../migrations.js';
import { POSTGRES_CLUSTER_MIGRATIONS } from './cluster-migrations.js';
import { POSTGRES_CONTROL_MIGRATIONS } from './control-migrations.js';
import { POSTGRES_TASK_MIGRATIONS } from './task-migrations.js';
import { POSTGRES_OUTBOX_MIGRATIONS } from './outbox-migrations.js';

export const POSTGRES_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'sessions and events',
    statements: [
      // JSON is kept as TEXT, not JSONB: it round-trips byte for byte (key order, escapes such as
      // \u0000 that JSONB rejects) and skips JSONB's parse on write; the store never queries inside it.
      `CREATE TABLE continuum_sessions (
        id TEXT PRIMARY KEY,
        protocol_version TEXT NOT NULL,
        initialize_request TEXT NOT NULL,
        client_info TEXT,
        principal TEXT,
        log_level TEXT,
        subscriptions TEXT NOT NULL,
        created_by TEXT NOT NULL,
        created_at BIGINT NOT NULL,
        last_active_at BIGINT NOT NULL,
        version BIGINT NOT NULL
      )`,
      `CREATE INDEX continuum_sessions_last_active ON continuum_sessions (last_active_at)`,
      `CREATE TABLE continuum_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES continuum_sessions (id) ON DELETE CASCADE,
        stream_id TEXT NOT NULL,
        message TEXT NOT NULL,
        created_at BIGINT NOT NULL
      )`,
      `CREATE INDEX continuum_events_stream ON continuum_events (session_id, stream_id, seq)`,
      `CREATE INDEX continuum_events_created ON continuum_events (created_at)`,
    ],
  },
  // Cluster: nodes, leases (versions 2-9).
  ...POSTGRES_CLUSTER_MIGRATIONS,
  // Control plane (versions 20-39).
  ...POSTGRES_CONTROL_MIGRATIONS,
  // Tasks (versions 40-49).
  ...POSTGRES_TASK_MIGRATIONS,
  // Communications outbox and subscribers (versions 60-69).
  ...POSTGRES_OUTBOX_MIGRATIONS,
];
