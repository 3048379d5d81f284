import type Database from 'better-sqlite3';
import { SCHEMA_VERSION_TABLE, pendingMigrations } from '../migrations.js';
import { SQLITE_MIGRATIONS } from './migrations.js';

/**
 * Applies pending migrations in one BEGIN IMMEDIATE transaction. The write lock is taken before the
 * applied versions are read, so when two processes migrate at once the second waits (busy_timeout),
 * then sees every version recorded and has nothing to do.
 */
export function migrateSqlite(db: Database.Database): void {
  const migrate = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at INTEGER NOT NULL
    )`);
    const applied = db.prepare<[], number>(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`).pluck().all();
    const record = db.prepare<[number, string]>(
      `INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name, applied_at)
       VALUES (?, ?, CAST(unixepoch('subsec') * 1000 AS INTEGER))`,
    );
    for (const m of pendingMigrations(SQLITE_MIGRATIONS, new Set(applied))) {
      for (const statement of m.statements) db.exec(statement);
      record.run(m.version, m.name);
    }
  });
  migrate.immediate();
}
