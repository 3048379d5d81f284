import type Database from 'better-sqlite3';

/**
 * SQLite has no server, so "store time" is the clock of the process doing the write, read by SQLite
 * (the same expression as SqliteStore.now()) inside the write transaction, after the write lock is
 * held. Every process sharing a file is on one machine, so they share that clock.
 */
export const SQLITE_NOW_MS = `CAST(unixepoch('subsec') * 1000 AS INTEGER)`;

export function prepareNow(db: Database.Database): Database.Statement<[], number> {
  return db.prepare<[], number>(`SELECT ${SQLITE_NOW_MS}`).pluck();
}
