import type { Clock } from '../core/clock.js';
import type { Store } from './port.js';
import { PostgresStore } from './postgres/index.js';
import { SqliteStore } from './sqlite/index.js';

export type * from './port.js';
export { SqliteStore } from './sqlite/index.js';
export { PostgresStore } from './postgres/index.js';

export interface OpenStoreOptions {
  /** Source of event createdAt (default: the system clock). */
  clock?: Clock;
}

const EXPECTED_FORMS =
  'expected sqlite:./relative/file.db, sqlite:/absolute/file.db, sqlite::memory:, or postgres://user@host:5432/db ' +
  '(postgresql:// too; several hosts as postgres://user@h1:5432,h2:5432/db)';

/** Opens (does not migrate) the store a URL names. */
export async function openStore(url: string, opts: OpenStoreOptions = {}): Promise<Store> {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return new PostgresStore(url, { clock: opts.clock });
  }
  if (url.startsWith('sqlite:')) {
    return new SqliteStore(sqlitePath(url), { clock: opts.clock });
  }
  throw new Error(`unsupported store URL "${redactAny(url)}": ${EXPECTED_FORMS}`);
}

function sqlitePath(url: string): string {
  const path = url.slice('sqlite:'.length);
  // sqlite://x reads as a host name in other tools; refuse rather than guess whether x is a path.
  if (path === '' || path.startsWith('//')) {
    throw new Error(`invalid SQLite store URL "${url}": ${EXPECTED_FORMS}`);
  }
  return path;
}

/** Hides what looks like a password in a URL we could not parse. */
function redactAny(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/]*):[^@/]*@/i, '$1:***@');
}
