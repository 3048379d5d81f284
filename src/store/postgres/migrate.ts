import { SCHEMA_VERSION_TABLE, pendingMigrations } from '../migrations.js';
import { POSTGRES_MIGRATIONS } from './migrations.js';
import type { Sql } from './pool.js';

/**
 * Applies pending migrations in one transaction. The transaction-scoped advisory lock, taken before
 * anything is read or created, serialises concurrent migrate() calls: the second waits, then finds
 * every version recorded. (CREATE TABLE IF NOT EXISTS alone is not safe against a concurrent create.)
 * The single-bigint lock form keeps this key apart from the two-int keys used for event ordering.
 */
export async function migratePostgres(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`SELECT pg_advisory_xact_lock(hashtextextended('continuum_schema_migrations', 0))`;
    await tx.unsafe(`CREATE TABLE IF NOT EXISTS ${SCHEMA_VERSION_TABLE} (
      version INTEGER PRIMARY KEY,
      name TEXT NOT NULL,
      applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
    )`);
    const applied = await tx.unsafe<{ version: number }[]>(`SELECT version FROM ${SCHEMA_VERSION_TABLE}`);
    for (const m of pendingMigrations(POSTGRES_MIGRATIONS, new Set(applied.map((r) => r.version)))) {
      for (const statement of m.statements) await tx.unsafe(statement);
      await tx.unsafe(`INSERT INTO ${SCHEMA_VERSION_TABLE} (version, name) VALUES ($1, $2)`, [m.version, m.name]);
    }
  });
}
