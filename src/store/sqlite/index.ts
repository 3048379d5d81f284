import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { systemClock, type Clock } from '../../core/clock.js';
import type { Store } from '../port.js';
import { SqliteAuditStore } from './audit.js';
import { SQLITE_BUS_DEFAULTS, SqliteMessageBus } from './bus.js';
import { SqliteControlEventStore } from './control-events.js';
import { SqliteEventStore } from './events.js';
import { SqliteLeaseStore } from './leases.js';
import { migrateSqlite } from './migrate.js';
import { SqliteNodeRegistry } from './nodes.js';
import { SqliteSessionStore } from './sessions.js';
import { SqliteTaskStore } from './tasks.js';
import { SqliteOutboxStore } from './outbox.js';
import { SqliteTokenStore } from './tokens.js';

export interface SqliteStoreOptions {
  /** Source of event createdAt. */
  clock?: Clock;
  /** How often bus subscribers poll the file for new messages (ms, default 15). */
  busPollMs?: number;
}

export const SQLITE_MEMORY = ':memory:';

/**
 * Store on one SQLite file, shareable by several processes on one machine (WAL). better-sqlite3 is
 * synchronous: each call runs to completion on the calling thread, and a write waiting for another
 * process's lock blocks this thread for up to busy_timeout.
 */
export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly description: string;
  readonly sessions: SqliteSessionStore;
  readonly events: SqliteEventStore;
  readonly tokens: SqliteTokenStore;
  readonly audit: SqliteAuditStore;
  readonly controlEvents: SqliteControlEventStore;
  readonly nodes: SqliteNodeRegistry;
  readonly leases: SqliteLeaseStore;
  readonly bus: SqliteMessageBus;
  readonly tasks: SqliteTaskStore;
  readonly outbox: SqliteOutboxStore;
  private readonly db: Database.Database;
  private readonly selectOne: Database.Statement<[], unknown>;
  private readonly selectNow: Database.Statement<[], number>;

  /** @param path a file path (relative to the working directory) or ':memory:' */
  constructor(path: string, opts: SqliteStoreOptions = {}) {
    const file = path === SQLITE_MEMORY ? path : resolve(path);
    if (file !== SQLITE_MEMORY) mkdirSync(dirname(file), { recursive: true });
    this.db = openDatabase(file);
    this.description = `sqlite:${file}`;
    this.sessions = new SqliteSessionStore(this.db);
    this.events = new SqliteEventStore(this.db, opts.clock ?? systemClock);
    this.tokens = new SqliteTokenStore(this.db);
    this.audit = new SqliteAuditStore(this.db);
    this.controlEvents = new SqliteControlEventStore(this.db);
    this.nodes = new SqliteNodeRegistry(this.db);
    this.leases = new SqliteLeaseStore(this.db);
    this.tasks = new SqliteTaskStore(this.db);
    this.outbox = new SqliteOutboxStore(this.db);
    this.bus = new SqliteMessageBus(this.db, { ...SQLITE_BUS_DEFAULTS, pollMs: opts.busPollMs ?? SQLITE_BUS_DEFAULTS.pollMs });
    this.selectOne = this.db.prepare('SELECT 1');
    this.selectNow = this.db.prepare<[], number>(`SELECT CAST(unixepoch('subsec') * 1000 AS INTEGER)`).pluck();
  }

  async migrate(): Promise<void> {
    migrateSqlite(this.db);
  }

  /** A local file has no link to cut. */
  async linkAlive(): Promise<boolean> {
    return true;
  }

  async ping(): Promise<void> {
    this.selectOne.get();
  }

  async now(): Promise<number> {
    return this.selectNow.get() as number;
  }

  async close(): Promise<void> {
    this.bus.close();
    if (this.db.open) this.db.close();
  }
}

function openDatabase(file: string): Database.Database {
  const db = new Database(file);
  try {
    // Set first so that the journal-mode switch below also waits for other processes.
    db.pragma('busy_timeout = 5000');
    const mode = db.pragma('journal_mode = WAL', { simple: true });
    if (file !== SQLITE_MEMORY && mode !== 'wal') {
      throw new Error(`SQLite refused WAL mode for ${file} (journal_mode is ${String(mode)})`);
    }
    // FULL fsyncs the WAL at every commit, so a resolved write survives power loss, not just a crash.
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // A damaged file is refused at start rather than discovered by a failing request later.
    if (file !== SQLITE_MEMORY) {
      const rows = db.pragma('integrity_check(10)') as { integrity_check: string }[];
      const verdict = rows.map((r) => r.integrity_check).join('; ');
      if (verdict !== 'ok') {
        throw new Error(`SQLite database ${file} failed integrity_check: ${verdict}. Restore a backup: continuum db restore <backup> --store sqlite:${file}`);
      }
    }
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}
