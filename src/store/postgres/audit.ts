import { chainEntry } from '../audit-chain.js';
import type { AuditEntry, AuditStore, NewAuditEntry } from '../control-port.js';
import { auditFromRow, type AuditRow } from '../control-rows.js';
import type { PostgresPool } from './pool.js';

export class PostgresAuditStore implements AuditStore {
  constructor(private readonly pool: PostgresPool) {}

  /**
   * One transaction under an advisory lock: the last entry is read and its successor inserted while no
   * other writer can do the same, so nodes appending at once still form one chain. Not retried when in
   * doubt: a retry could chain the same action twice.
   */
  async appendAudit(e: NewAuditEntry): Promise<AuditEntry> {
    return this.pool.run('if-not-committed', (sql) =>
      sql.begin(async (tx) => {
        await tx`SELECT pg_advisory_xact_lock(hashtextextended('continuum_audit_chain', 0))`;
        const last = await tx<{ position: string; hash: string }[]>`
          SELECT position, hash FROM continuum_audit_log ORDER BY position DESC LIMIT 1`;
        const entry = chainEntry(last.length > 0 ? { position: Number(last[0].position), hash: last[0].hash } : null, e);
        await tx`
          INSERT INTO continuum_audit_log (position, at, actor, role, action, target, details, prev_hash, hash)
          VALUES (${entry.position}::bigint, ${entry.at}::bigint, ${entry.actor}, ${entry.role}, ${entry.action},
                  ${entry.target}, ${JSON.stringify(entry.details)}, ${entry.prevHash}, ${entry.hash})`;
        return entry;
      }),
    );
  }

  async readAudit(afterPosition: number, limit?: number): Promise<AuditEntry[]> {
    const max = limit === undefined ? null : Math.max(0, Math.floor(limit));
    const rows = await this.pool.run('idempotent', (sql) => sql<AuditRow[]>`
      SELECT * FROM continuum_audit_log WHERE position > ${afterPosition}::bigint ORDER BY position LIMIT ${max}::bigint`);
    return rows.map(auditFromRow);
  }
}
