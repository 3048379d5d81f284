import type { Migration } from '../migrations.js';

/** The control plane's tables (versions 20-39 are reserved for them). Appended to SQLITE_MIGRATIONS. */
export const SQLITE_CONTROL_MIGRATIONS: readonly Migration[] = [
  {
    version: 20,
    name: 'api tokens and audit log',
    statements: [
      `CREATE TABLE continuum_api_tokens (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        role TEXT NOT NULL,
        secret_hash TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        revoked_at INTEGER,
        revoked_by TEXT
      )`,
      // A name is reusable once its token is revoked.
      `CREATE UNIQUE INDEX continuum_api_tokens_active_name ON continuum_api_tokens (name) WHERE revoked_at IS NULL`,
      // position is assigned by the append transaction (last + 1), never by a sequence: a gap then
      // always means a deleted entry.
      `CREATE TABLE continuum_audit_log (
        position INTEGER PRIMARY KEY,
        at INTEGER NOT NULL,
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
      // AUTOINCREMENT: seqs are never reused, and BEGIN IMMEDIATE makes seq order commit order.
      `CREATE TABLE continuum_control_events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        stream_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        type TEXT NOT NULL,
        data TEXT NOT NULL,
        actor TEXT NOT NULL,
        at INTEGER NOT NULL,
        idempotency_key TEXT UNIQUE,
        UNIQUE (stream_id, version)
      )`,
    ],
  },
];
