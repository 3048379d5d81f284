import type { Migration } from '../migrations.js';

/** Nodes, leases and the bus (versions 2-9). Times are store time in ms (see clock.ts). */
export const SQLITE_CLUSTER_MIGRATIONS: readonly Migration[] = [
  {
    version: 2,
    name: 'node registry',
    statements: [
      // boot_id is state.bootId, kept apart so a restarted process (new bootId) resets started_at.
      `CREATE TABLE continuum_nodes (
        id TEXT PRIMARY KEY,
        region TEXT NOT NULL,
        url TEXT NOT NULL,
        started_at INTEGER NOT NULL,
        last_heartbeat INTEGER NOT NULL,
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
        epoch INTEGER NOT NULL,
        expires_at INTEGER NOT NULL
      )`,
      // id order is commit order: appends run under the write lock (BEGIN IMMEDIATE).
      `CREATE TABLE continuum_lease_history (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        name TEXT NOT NULL,
        epoch INTEGER NOT NULL,
        holder TEXT NOT NULL,
        record TEXT NOT NULL,
        at INTEGER NOT NULL
      )`,
      `CREATE INDEX continuum_lease_history_name ON continuum_lease_history (name, id)`,
    ],
  },
  {
    version: 4,
    name: 'message bus',
    statements: [
      // AUTOINCREMENT: a seq is never reused after pruning, so a poller's cursor stays valid.
      `CREATE TABLE continuum_bus (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        channel TEXT NOT NULL,
        payload TEXT NOT NULL,
        created_at INTEGER NOT NULL
      )`,
      `CREATE INDEX continuum_bus_created ON continuum_bus (created_at)`,
    ],
  },
];
