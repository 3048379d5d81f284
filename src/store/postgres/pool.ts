import postgres from 'postgres';
import { guardPostgresJsFloatingRejections, guardPostgresJsNextWriteCrash, registerPostgresPorts } from './floating-rejections.js';
import { errorCode, withRetry, type RetryPolicy } from './retry.js';
import { choosePrimary, formatHost, parseMultiHostUrl, probeHosts, type HostProbe, type MultiHostUrl, type PgHost } from './topology.js';

export type Sql = postgres.Sql;

const END_TIMEOUT_S = 5;

/**
 * Failures after which the pool looks for the primary again: the server turned read-only (a standby or
 * a fenced old primary), or the connection to it broke (it may be dead, and the next primary elsewhere).
 */
const REFIND = new Set([
  '25006',
  'NO_PRIMARY',
  '57P01',
  '57P02',
  '57P03',
  '08000',
  '08001',
  '08003',
  '08006',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
]);

/** What the pool currently writes to (multi-host URLs only). */
export interface PrimaryInfo {
  host: string | null;
  timeline: number | null;
  /** Why this one, or why none. */
  reason: string;
  /** When the pool last looked, ms since the epoch (0: not yet). */
  at: number;
  probes: HostProbe[];
}

/**
 * The connection pool, replaceable.
 *
 * With one host, postgres.js connects to it; a failure that shows it turned read-only replaces the
 * pool so the next queries connect afresh.
 *
 * With several hosts, the pool finds the primary itself (topology.ts: every host asked at once, the
 * newest timeline wins, a read-only "fenced" server never does) and holds a postgres.js instance on
 * that host alone. After a failure that may mean the primary moved (read-only, connection lost) it
 * looks again. So a node never writes to a standby, and never to an old primary that came back
 * unfenced after a promotion.
 */
export class PostgresPool {
  #sql: Sql | null;
  #finding: Promise<Sql> | null = null;
  #closed = false;
  readonly #inFlight = new Set<Promise<unknown>>();
  readonly #primaryListeners = new Set<(host: string) => void>();
  /** The last primary found (kept while a search finds none, so a change is told when one is found again). */
  #found: PgHost | null = null;
  readonly #multi: MultiHostUrl | null;
  #primary: PrimaryInfo = { host: null, timeline: null, reason: 'not looked yet', at: 0, probes: [] };

  constructor(
    private readonly url: string,
    private readonly options: postgres.Options<Record<string, never>>,
  ) {
    guardPostgresJsFloatingRejections();
    guardPostgresJsNextWriteCrash();
    const parsed = parseMultiHostUrl(url);
    registerPostgresPorts(parsed.hosts.map((h) => h.port));
    this.#multi = parsed.hosts.length > 1 ? parsed : null;
    this.#sql = this.#multi ? null : postgres(url, options);
  }

  /** The primary the pool writes to (several hosts), or null with one host. */
  get primary(): PrimaryInfo | null {
    return this.#multi ? this.#primary : null;
  }

  /** Runs op on the current pool, retrying transient failures per policy. */
  run<T>(policy: RetryPolicy, op: (sql: Sql) => Promise<T>): Promise<T> {
    let current: Sql | null = null;
    const running = withRetry(
      policy,
      async () => {
        if (this.#closed) throw new Error('store is closed');
        current = await this.current();
        return op(current);
      },
      {
        shouldStop: () => this.#closed,
        onRetry: (err) => {
          const code = errorCode(err);
          if (code === '25006' || (this.#multi && code !== undefined && REFIND.has(code))) this.replace(current);
        },
      },
    );
    this.#inFlight.add(running);
    const forget = (): void => void this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /**
   * A separate postgres.js instance, owned and ended by the caller: for connections that must not be
   * dropped when the pool is replaced, such as LISTEN (postgres.js reconnects those itself).
   *
   * With several hosts it is opened on the primary the pool writes to, never on a server postgres.js's
   * own multi-host rule would pick (the first not in recovery: a fenced old primary back up qualifies,
   * and a LISTEN there would hear nothing the nodes publish on the new one). `host` says which; a caller
   * that must follow the primary re-opens on onPrimaryChange.
   */
  async dedicated(overrides: postgres.Options<Record<string, never>> = {}): Promise<{ sql: Sql; host: string | null }> {
    if (this.#closed) throw new Error('store is closed');
    if (!this.#multi) return { sql: postgres(this.url, { ...this.options, ...overrides }), host: null };
    await this.current();
    const found = this.#found;
    if (found === null) throw Object.assign(new Error(this.#primary.reason), { code: 'NO_PRIMARY' });
    const { target_session_attrs: _ignored, ...single } = this.options;
    return { sql: postgres(this.#multi.forHost(found), { ...single, ...overrides }), host: formatHost(found) };
  }

  /** Called with the new primary (host:port) whenever the pool finds a different one than before. */
  onPrimaryChange(listener: (host: string) => void): () => void {
    this.#primaryListeners.add(listener);
    return () => void this.#primaryListeners.delete(listener);
  }

  /**
   * Lets operations already started finish (their retries are bounded), then drops the connections.
   * The pool is ended with timeout 0 rather than left to drain: postgres.js (3.4) never considers a
   * connection drained once its socket closed under a query, so a graceful end() would wait out its
   * whole timeout after any connection loss.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.allSettled(this.#inFlight);
    await this.#finding?.catch(() => undefined);
    await this.#sql?.end({ timeout: 0 });
  }

  private current(): Promise<Sql> {
    if (this.#sql) return Promise.resolve(this.#sql);
    // One search at a time: every query waiting for a primary shares it.
    this.#finding ??= this.find().finally(() => {
      this.#finding = null;
    });
    return this.#finding;
  }

  private async find(): Promise<Sql> {
    const multi = this.#multi!;
    const timeoutMs = Math.max(500, Math.min(2000, Number(this.options.connect_timeout ?? 2) * 1000));
    const probes = await probeHosts(multi, timeoutMs);
    const { primary, reason } = choosePrimary(probes);
    this.#primary = { host: primary ? formatHost(primary) : null, timeline: primary?.timeline ?? null, reason, at: Date.now(), probes };
    if (this.#closed) throw Object.assign(new Error('store is closed'), { code: 'CONNECTION_ENDED' });
    if (!primary) throw Object.assign(new Error(reason), { code: 'NO_PRIMARY' });
    const { target_session_attrs: _ignored, ...single } = this.options;
    this.#sql = postgres(multi.forHost(primary), single);
    const before = this.#found ? formatHost(this.#found) : null;
    this.#found = { host: primary.host, port: primary.port };
    const host = formatHost(primary);
    if (before !== null && before !== host) for (const l of [...this.#primaryListeners]) l(host);
    return this.#sql;
  }

  /** Replaces the pool unless another failure already did; in-flight queries on the old one may finish. */
  private replace(stale: Sql | null): void {
    if (this.#closed || stale === null || stale !== this.#sql) return;
    this.#sql = this.#multi ? null : postgres(this.url, this.options);
    stale.end({ timeout: END_TIMEOUT_S }).catch(() => {
      // Ending a pool whose server is gone can fail; nothing is waiting on it.
    });
  }
}
