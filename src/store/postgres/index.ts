import { systemClock, type Clock } from '../../core/clock.js';
import { withTimeout } from '../../core/timeout.js';
import type { Store } from '../port.js';
import { PostgresAuditStore } from './audit.js';
import { PostgresMessageBus } from './bus.js';
import { PostgresControlEventStore } from './control-events.js';
import { PostgresEventStore } from './events.js';
import { PostgresLeaseStore } from './leases.js';
import { migratePostgres } from './migrate.js';
import { PostgresNodeRegistry } from './nodes.js';
import { PostgresPool, type PrimaryInfo, type Sql } from './pool.js';
import { PostgresSessionStore } from './sessions.js';
import { PostgresTaskStore } from './tasks.js';
import { PostgresOutboxStore } from './outbox.js';
import { PostgresTokenStore } from './tokens.js';
import { redactPostgresUrl } from './url.js';

export interface PostgresStoreOptions {
  /** Source of event createdAt. */
  clock?: Clock;
  /** Pool size (default 10). */
  maxConnections?: number;
}

/**
 * Store on PostgreSQL, tables prefixed continuum_ so it can share a database. The URL may list several
 * hosts (postgres://u@h1:5432,h2:5433/db); connections go to whichever is the primary.
 */
/**
 * Startup parameters of the store's connections. A node frozen mid-transaction (SIGSTOP, a VM pause, a
 * stalled event loop) would otherwise hold its row locks, and so stall every node touching the same
 * sessions, for as long as it is frozen: the server ends such a transaction after 2 s idle (far above a
 * healthy node's gap between two statements of one transaction) and frees its locks. The frozen node's
 * transaction rolls back (25P03, retried as not committed).
 */
export const STORE_CONNECTION = { application_name: 'continuum', idle_in_transaction_session_timeout: 2000 } as const;

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly description: string;
  readonly sessions: PostgresSessionStore;
  readonly events: PostgresEventStore;
  readonly tokens: PostgresTokenStore;
  readonly audit: PostgresAuditStore;
  readonly controlEvents: PostgresControlEventStore;
  readonly nodes: PostgresNodeRegistry;
  readonly leases: PostgresLeaseStore;
  readonly bus: PostgresMessageBus;
  readonly tasks: PostgresTaskStore;
  readonly outbox: PostgresOutboxStore;
  private readonly pool: PostgresPool;

  constructor(url: string, opts: PostgresStoreOptions = {}) {
    this.description = redactPostgresUrl(url);
    this.pool = new PostgresPool(url, {
      max: opts.maxConnections ?? 10,
      // 'primary' asks each server whether it is in recovery. 'read-write' trusts the reported
      // default_transaction_read_only, which is off on a hot standby, and so can pick a standby.
      target_session_attrs: 'primary',
      // Bounded so that a host that swallows packets leaves time within the retry budget for the next.
      connect_timeout: 5,
      // Server notices (e.g. "relation already exists, skipping") are not errors; keep them off stdout.
      onnotice: () => {},
      connection: STORE_CONNECTION,
    });
    this.sessions = new PostgresSessionStore(this.pool);
    this.events = new PostgresEventStore(this.pool, opts.clock ?? systemClock);
    this.tokens = new PostgresTokenStore(this.pool);
    this.audit = new PostgresAuditStore(this.pool);
    this.controlEvents = new PostgresControlEventStore(this.pool);
    this.nodes = new PostgresNodeRegistry(this.pool);
    this.leases = new PostgresLeaseStore(this.pool);
    this.tasks = new PostgresTaskStore(this.pool);
    this.outbox = new PostgresOutboxStore(this.pool);
    this.bus = new PostgresMessageBus(this.pool);
  }

  /** With several hosts: the primary this store writes to, and why (null with one host). */
  get primary(): PrimaryInfo | null {
    return this.pool.primary;
  }

  async migrate(): Promise<void> {
    // Safe to repeat: the migration transaction either committed every pending version or none.
    await this.pool.run('idempotent', (sql) => migratePostgres(sql));
  }

  async ping(): Promise<void> {
    await this.pool.run('idempotent', (sql) => sql`SELECT 1`);
  }

  /**
   * A connection of its own (the pool's may all hang on the dead link), one `SELECT 1`, then closed.
   * Only silence counts as a dead link: postgres.js's connect timeout or ours; a refusal, a reset or an
   * error from the server is an answer.
   */
  async linkAlive(timeoutMs: number): Promise<boolean> {
    let sql: Sql | undefined;
    const attempt = (async () => {
      ({ sql } = await this.pool.dedicated({ max: 1, connect_timeout: Math.max(1, Math.ceil(timeoutMs / 1000)), connection: { application_name: 'continuum-link-probe' } }));
      await sql`SELECT 1`;
    })();
    try {
      await withTimeout(attempt, timeoutMs, 'no answer');
      return true;
    } catch (err) {
      const e = err as { code?: string; message?: string };
      return !(e.code === 'CONNECT_TIMEOUT' || e.code === 'ETIMEDOUT' || /^no answer within/.test(e.message ?? ''));
    } finally {
      // Closed once the attempt settles (a connect under way would otherwise outlive the end).
      void attempt.catch(() => undefined).finally(() => sql?.end({ timeout: 0 }).catch(() => undefined));
    }
  }

  async now(): Promise<number> {
    const [row] = await this.pool.run('idempotent', (sql) => sql<{ now: string }[]>`
      SELECT floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS now`);
    return Number(row.now);
  }

  async close(): Promise<void> {
    await this.bus.close();
    await this.pool.close();
  }
}
