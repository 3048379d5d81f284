import type { Migration } from '../migrations.js';

/**
 * Nodes and leases (versions 2-9). Times are store time in ms (see clock.ts). The bus needs no table:
 * it is LISTEN/NOTIFY (bus.ts), so version 4, the SQLite bus table, has no PostgreSQL counterpart.
 */
export const POSTGRES_CLUSTER_MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'node registry',
    statements: [
      // boot_id is state.bootId, kept apart so a restarted process (new bootId) resets started_at.
      `CREATE TABLE continuum_nodes (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        url TEXT NOT NULL,
        started_at BIGINT NOT NULL,
        last_heartbeat BIGINT NOT NULL,
        state TEXT NOT NULL,
        boot_id TEXT
      )`,
    ],
  },
  {
    version: 3,
    name: 'leases and fenced history',
    statements: [
      // Rows are never deleted: a lease's epoch must never start again from 1.
      `CREATE TABLE continuum_leases (
        name TEXT PRIMARY KEY,
        holder TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        expires_at BIGINT NOT NULL
      )`,
      // id order is commit order per lease: appends hold the lease row's lock while drawing the id.
      `CREATE TABLE continuum_lease_history (
        id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        name TEXT NOT NULL,
        epoch BIGINT NOT NULL,
        holder TEXT NOT NULL,
        record TEXT NOT NULL,
        at BIGINT NOT NULL
      )`,
      `CREATE INDEX continuum_lease_history_name ON continuum_lease_history (name, id)`,
    ],
  },
];
