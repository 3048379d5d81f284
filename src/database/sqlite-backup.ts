/**
 * SQLite backup and restore, with SQLite's online backup API (better-sqlite3 `db.backup`): a backup
 * is a consistent copy taken while nodes keep writing. Limits, stated plainly: SQLite is one file on
 * one machine. Nothing replicates it; a lost disk loses every session committed since the last backup.
 * For continuity across machines use PostgreSQL with a standby.
 */
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import Database from 'better-sqlite3';

export interface SqliteBackupResult {
  file: string;
  bytes: number;
  pages: number;
  ms: number;
  /** PRAGMA integrity_check of the copy: 'ok' or the first problems. */
  integrity: string;
}

/** The result of PRAGMA integrity_check on an open database: 'ok' or its first findings joined. */
export function integrityCheck(db: Database.Database, maxErrors = 10): string {
  const rows = db.pragma(`integrity_check(${maxErrors})`) as { integrity_check: string }[];
  return rows.map((r) => r.integrity_check).join('; ');
}

/** Copies the database at `source` into `target` (online: writers may keep writing), then checks the copy. */
export async function backupSqlite(source: string, target: string): Promise<SqliteBackupResult> {
  const src = resolve(source);
  if (!existsSync(src)) throw new Error(`no SQLite database at ${src}`);
  const dest = resolve(target);
  if (existsSync(dest)) throw new Error(`${dest} already exists; choose a new file (a backup never overwrites)`);
  mkdirSync(dirname(dest), { recursive: true });
  const started = performance.now();
  const db = new Database(src, { readonly: true, fileMustExist: true });
  db.pragma('busy_timeout = 5000');
  let pages = 0;
  try {
    await db.backup(dest, {
      progress: (p) => {
        pages = p.totalPages;
        return 1000; // pages per step: other connections get the lock between steps
      },
    });
  } catch (err) {
    rmSync(dest, { force: true });
    throw err;
  } finally {
    db.close();
  }
  const integrity = checkFile(dest);
  if (integrity !== 'ok') throw new Error(`the backup at ${dest} failed integrity_check: ${integrity}`);
  return { file: dest, bytes: statSync(dest).size, pages, ms: Math.round(performance.now() - started), integrity };
}

export function checkFile(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return integrityCheck(db);
  } finally {
    db.close();
  }
}

/**
 * Replaces the database at `target` with the backup at `source`. The nodes using `target` must be
 * stopped (their open connections would keep the old file). The backup is checked first; the old
 * file's WAL and shared-memory files are removed, since SQLite would otherwise apply the old WAL to
 * the restored file. The old database is kept as `<target>.before-restore`.
 */
export async function restoreSqlite(source: string, target: string): Promise<SqliteBackupResult> {
  const src = resolve(source);
  const dest = resolve(target);
  if (!existsSync(src)) throw new Error(`no backup at ${src}`);
  const integrity = checkFile(src);
  if (integrity !== 'ok') throw new Error(`the backup at ${src} failed integrity_check (${integrity}); not restoring it`);
  const started = performance.now();
  mkdirSync(dirname(dest), { recursive: true });
  const staging = `${dest}.restoring`;
  rmSync(staging, { force: true });
  const db = new Database(src, { readonly: true, fileMustExist: true });
  let pages = 0;
  try {
    await db.backup(staging, { progress: (p) => ((pages = p.totalPages), 1000) });
  } finally {
    db.close();
  }
  if (existsSync(dest)) {
    // Checkpoint the old file so the kept copy is whole, then set it aside with its WAL gone.
    try {
      const old = new Database(dest, { fileMustExist: true });
      old.pragma('wal_checkpoint(TRUNCATE)');
      old.close();
    } catch {
      // A damaged old file is why we restore; keep it as it is.
    }
    renameSync(dest, `${dest}.before-restore`);
  }
  for (const suffix of ['-wal', '-shm', '-journal']) rmSync(`${dest}${suffix}`, { force: true });
  renameSync(staging, dest);
  return { file: dest, bytes: statSync(dest).size, pages, ms: Math.round(performance.now() - started), integrity };
}
