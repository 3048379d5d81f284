/**
 * Corruption: detection and recovery (the plan's scenario "database corruption: recovery < 60 s,
 * integrity maintained").
 *
 * Detection. Clusters are created with data checksums (initdb -k), so PostgreSQL verifies every page
 * it reads from disk: a damaged page fails with SQLSTATE XX001 ("invalid page in block") and counts in
 * pg_stat_database.checksum_failures. checkIntegrity() reads every continuum_ table in full (sequential
 * scans, so every heap page is read) and, where the amcheck extension is installed, checks each
 * B-tree index. A failure is a signal for the incident system (integritySignal).
 *
 * Recovery. Physical replication ships WAL, not pages, so a page damaged on the primary's disk is
 * intact on the standby: recoverFromCorruption() fails over to it (the runbook fences the damaged
 * primary, waits until the standby has all its WAL, promotes), then verifies the new primary: the
 * integrity check passes and every acknowledged session is present. Without a standby, restore from a
 * backup (pg_basebackup + WAL archive) and run the same verification.
 */
import postgres from 'postgres';
import { choosePrimary, formatHost, parseMultiHostUrl, probeHosts } from '../store/postgres/topology.js';
import { runFailover, type FailoverOptions, type FailoverReport } from './failover.js';

type Sql = postgres.Sql;

export interface TableCheck {
  table: string;
  ok: boolean;
  rows?: number;
  code?: string;
  error?: string;
}

export interface IntegrityReport {
  ok: boolean;
  /** data_checksums: without them, damaged pages are read silently. */
  checksums: boolean;
  /** pg_stat_database.checksum_failures for this database (cumulative since the stats were reset). */
  checksumFailures: number;
  tables: TableCheck[];
  /** B-tree indexes checked with amcheck (absent: the extension is not installed). */
  indexes: TableCheck[] | null;
}

/** Reads every continuum_ table in full and checks its indexes. Never throws for a damaged table. */
export async function checkIntegrity(sql: Sql, opts: { tablePrefix?: string } = {}): Promise<IntegrityReport> {
  const prefix = opts.tablePrefix ?? 'continuum_';
  const tables = await sql<{ name: string }[]>`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE c.relkind = 'r' AND n.nspname = current_schema() AND c.relname LIKE ${`${prefix}%`} ORDER BY 1`;
  const checks: TableCheck[] = [];
  for (const { name } of tables) {
    try {
      const rows = await sql.begin(async (tx) => {
        // A sequential scan reads every heap page (an index-only count would not).
        await tx`SET LOCAL enable_indexscan = off`;
        await tx`SET LOCAL enable_indexonlyscan = off`;
        await tx`SET LOCAL enable_bitmapscan = off`;
        const [r] = await tx<{ n: number }[]>`SELECT count(*)::int AS n FROM ${tx(name)}`;
        return r.n;
      });
      checks.push({ table: name, ok: true, rows });
    } catch (err) {
      checks.push({ table: name, ok: false, code: (err as { code?: string }).code, error: (err as Error).message });
    }
  }
  let indexes: TableCheck[] | null = null;
  const [{ amcheck }] = await sql<{ amcheck: boolean }[]>`SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'amcheck') AS amcheck`;
  if (amcheck) {
    indexes = [];
    const idx = await sql<{ name: string }[]>`
      SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_am a ON a.oid = c.relam
        JOIN pg_class t ON t.oid = i.indrelid JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE a.amname = 'btree' AND n.nspname = current_schema() AND t.relname LIKE ${`${prefix}%`} ORDER BY 1`;
    for (const { name } of idx) {
      try {
        await sql`SELECT bt_index_check(${name}::regclass)`;
        indexes.push({ table: name, ok: true });
      } catch (err) {
        indexes.push({ table: name, ok: false, code: (err as { code?: string }).code, error: (err as Error).message });
      }
    }
  }
  // Read last: the scans above are what finds (and counts) damaged pages.
  const [{ checksums, failures }] = await sql<{ checksums: string; failures: number | null }[]>`
    SELECT current_setting('data_checksums') AS checksums,
           (SELECT checksum_failures FROM pg_stat_database WHERE datname = current_database())::int AS failures`;
  const ok = checks.every((c) => c.ok) && (indexes ?? []).every((c) => c.ok) && (failures ?? 0) === 0;
  return { ok, checksums: checksums === 'on', checksumFailures: failures ?? 0, tables: checks, indexes };
}

/** The corruption signal for incident detection. */
export function integritySignal(report: IntegrityReport): { firing: boolean; summary: string } {
  const bad = [...report.tables, ...(report.indexes ?? [])].filter((c) => !c.ok);
  if (bad.length > 0) return { firing: true, summary: `integrity check failed: ${bad.map((b) => `${b.table} (${b.code ?? 'error'}: ${b.error})`).join('; ')}` };
  if (report.checksumFailures > 0) return { firing: true, summary: `${report.checksumFailures} data checksum failure(s) recorded in pg_stat_database` };
  if (!report.checksums) return { firing: false, summary: 'integrity check passed, but data checksums are off: damaged pages would go unnoticed (initdb -k)' };
  return { firing: false, summary: 'integrity check passed' };
}

/** Which of the acknowledged sessions the database lacks. */
export async function missingSessions(sql: Sql, acknowledged: string[]): Promise<string[]> {
  if (acknowledged.length === 0) return [];
  const rows = await sql<{ id: string }[]>`SELECT id FROM continuum_sessions WHERE id = ANY(${acknowledged}::text[])`;
  const present = new Set(rows.map((r) => r.id));
  return acknowledged.filter((id) => !present.has(id));
}

export interface RecoveryReport {
  ok: boolean;
  failover: FailoverReport;
  /** The integrity check on the new primary. */
  integrity: IntegrityReport | null;
  /** Acknowledged sessions the new primary lacks (must be empty). */
  missing: string[];
  totalMs: number;
}

/** Fails over away from a damaged primary, then verifies the new one. */
export async function recoverFromCorruption(
  o: FailoverOptions & {
    acknowledgedSessions?: string[];
    /** How the failover runs (default: runFailover in this process; a drill runs the CLI in its own). */
    failover?: (o: FailoverOptions) => Promise<FailoverReport>;
  },
): Promise<RecoveryReport> {
  const started = performance.now();
  const failover = await (o.failover ?? runFailover)(o);
  let integrity: IntegrityReport | null = null;
  let missing: string[] = [];
  if (failover.outcome === 'promoted') {
    const multi = parseMultiHostUrl(o.url);
    const { primary } = choosePrimary(await probeHosts(multi));
    if (primary && formatHost(primary) === failover.to) {
      const sql = postgres(multi.forHost(primary), { max: 1, onnotice: () => {} });
      try {
        integrity = await checkIntegrity(sql);
        missing = await missingSessions(sql, o.acknowledgedSessions ?? []);
      } finally {
        await sql.end({ timeout: 1 });
      }
    }
  }
  // checksum_failures counts on the new primary are its own; the damaged server's do not carry over.
  const ok = failover.outcome === 'promoted' && integrity !== null && integrity.tables.every((t) => t.ok) && missing.length === 0;
  return { ok, failover, integrity, missing, totalMs: Math.round(performance.now() - started) };
}
