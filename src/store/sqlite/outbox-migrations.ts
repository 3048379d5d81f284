import type { Migration } from '../migrations.js';

/** The communications outbox and status-page subscribers (versions 60-69). */
export const SQLITE_OUTBOX_MIGRATIONS: readonly Migration[] = [
  {
    version: 60,
    name: 'outbox and subscribers',
    statements: [
      // AUTOINCREMENT: seq never reused, so enqueue order (delivery order per channel and incident) holds.
      `CREATE TABLE continuum_outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        idempotency_key TEXT NOT NULL UNIQUE,
        channel TEXT NOT NULL,
        order_key TEXT NOT NULL,
        incident_id TEXT,
        template TEXT NOT NULL,
        recipient TEXT,
        content TEXT NOT NULL,
        status TEXT NOT NULL,
        attempts INTEGER NOT NULL,
        next_attempt_at INTEGER NOT NULL,
        last_error TEXT,
        created_at INTEGER NOT NULL,
        delivered_at INTEGER,
        claimed_by TEXT,
        claimed_until INTEGER
      )`,
      // Serves the head-of-line check (oldest pending message of a channel and order key).
      `CREATE INDEX continuum_outbox_pending ON continuum_outbox (status, channel, order_key, seq)`,
      `CREATE INDEX continuum_outbox_incident ON continuum_outbox (incident_id, seq)`,
      `CREATE TABLE continuum_subscribers (
        id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        address TEXT NOT NULL,
        components TEXT NOT NULL,
        status TEXT NOT NULL,
        confirm_hash TEXT UNIQUE,
        unsubscribe_token TEXT NOT NULL UNIQUE,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        UNIQUE (kind, address)
      )`,
    ],
  },
];
