/**
 * Versioned schema migrations. Each adapter keeps its own list (the SQL differs per engine) and applies
 * the pending ones inside one transaction that also serialises concurrent migrate() calls, recording
 * each applied version in continuum_schema_version.
 */

export interface Migration {
  /** Positive, strictly increasing across the list; never reused or renumbered once released. */
  version: number;
  name: string;
  /** Statements run in order, in the migration transaction. */
  statements: string[];
}

export const SCHEMA_VERSION_TABLE = 'continuum_schema_version';

/** Migrations not yet applied, in version order. Versions in the database that this build does not
 * know (written by a newer node during a rolling upgrade) are left alone rather than rejected. */
export function pendingMigrations(all: readonly Migration[], applied: ReadonlySet<number>): Migration[] {
  assertWellOrdered(all);
  return all.filter((m) => !applied.has(m.version));
}

function assertWellOrdered(all: readonly Migration[]): void {
  let previous = 0;
  for (const m of all) {
    if (!Number.isInteger(m.version) || m.version <= previous) {
      throw new Error(`migration list out of order at version ${m.version} (${m.name})`);
    }
    previous = m.version;
  }
}
