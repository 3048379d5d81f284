import type Database from 'better-sqlite3';
import { chainEntry } from '../audit-chain.js';
import type { AuditEntry, AuditStore, NewAuditEntry } from '../control-port.js';
import { auditFromRow, type AuditRow } from '../control-rows.js';

function prepare(db: Database.Database) {
  const last = db.prepare<[], { position: number; hash: string }>(
    `SELECT position, hash FROM continuum_audit_log ORDER BY position DESC LIMIT 1`,
  );
  const insert = db.prepare(
    `INSERT INTO continuum_audit_log (position, at, actor, role, action, target, details, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const after = db.prepare<[number, number], AuditRow>(
    `SELECT * FROM continuum_audit_log WHERE position > ? ORDER BY position LIMIT ?`,
  );
  return {
    after,
    // BEGIN IMMEDIATE takes the write lock before the last entry is read: two processes appending at
    // once chain one after the other instead of both linking to the same predecessor.
    append: db.transaction((e: NewAuditEntry): AuditEntry => {
      const entry = chainEntry(last.get() ?? null, e);
      insert.run(entry.position, entry.at, entry.actor, entry.role, entry.action, entry.target, JSON.stringify(entry.details), entry.prevHash, entry.hash);
      return entry;
    }),
  };
}

export class SqliteAuditStore implements AuditStore {
  #statements?: ReturnType<typeof prepare>;

  constructor(private readonly db: Database.Database) {}

  private get s(): ReturnType<typeof prepare> {
    return (this.#statements ??= prepare(this.db));
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    return this.s.append.immediate(entry);
  }

  async readAudit(afterPosition: number, limit?: number): Promise<AuditEntry[]> {
    const max = limit === undefined ? -1 : Math.max(0, Math.floor(limit));
    return this.s.after.all(afterPosition, max).map(auditFromRow);
  }
}
