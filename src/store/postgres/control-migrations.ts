import type { Migration } from '../migrations.js';

/** The control plane's tables (versions 20-39 are reserved for them). Appended to POSTGRES_MIGRATIONS. */
export const POSTGRES_CONTROL_MIGRATIONS: readonly Migration[] = [
  {
    version: 20,
    name: 'api tokens and audit log',
    statements: [
      `CREATE TABLE continuum_api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at BIGINT NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at BIGINT,
        revoked_by TEXT
      )`,
      `CREATE UNIQUE INDEX continuum_api_tokens_active_name ON continuum_api_tokens (name) WHERE revoked_at IS NULL`,
      // position is assigned by the append transaction (last + 1) under an advisory lock, never by an
      // identity column (a rolled-back insert would leave a gap that reads as a deleted entry).
      `CREATE TABLE continuum_audit_log (
        position BIGINT PRIMARY KEY,
        at BIGINT NOT NULL,
        actor TEXT NOT NULL,
        role TEXT NOT NULL,
        action TEXT NOT NULL,
        target TEXT NOT NULL,
        details TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      )`,
    ],
  },
  {
    version: 21,
    name: 'control events',
    statements: [
      `CREATE TABLE continuum_control_events (
        seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        stream_id TEXT NOT NULL,
        version BIGINT NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        actor TEXT NOT NULL,
        at BIGINT NOT NULL,
        idempotency_key TEXT UNIQUE,
        UNIQUE (stream_id, version)
      )`,
    ],
  },
];
