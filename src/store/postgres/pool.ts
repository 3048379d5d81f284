import postgres from 'postgres';
import { errorCode, withRetry, type RetryPolicy } from './retry.js';

export type Sql = postgres.Sql;

const END_TIMEOUT_S = 5;

/**
 * The connection pool, replaceable. postgres.js picks the primary (target_session_attrs) only when a
 * connection opens, so after a failover the pool's open connections may still point at a server that
 * is now a standby; they answer every write with 25006. Replacing the pool makes the next queries
 * connect afresh and find the new primary.
 */
export class PostgresPool {
  #sql: Sql;
  #closed = false;
  readonly #inFlight = new Set<Promise<unknown>>();

  constructor(
    private readonly url: string,
    private readonly options: postgres.Options<Record<string, never>>,
  ) {
    this.#sql = postgres(url, options);
  }

  /** Runs op on the current pool, retrying transient failures per policy. */
  run<T>(policy: RetryPolicy, op: (sql: Sql) => Promise<T>): Promise<T> {
    let current = this.#sql;
    const running = withRetry(
      policy,
      () => {
        if (this.#closed) throw new Error('store is closed');
        current = this.#sql;
        return op(current);
      },
      {
        shouldStop: () => this.#closed,
        onRetry: (err) => {
          if (errorCode(err) === '25006') this.replace(current);
        },
      },
    );
    this.#inFlight.add(running);
    const forget = (): void => void this.#inFlight.delete(running);
    running.then(forget, forget);
    return running;
  }

  /**
   * A separate postgres.js instance on the pool's URL and options (plus `overrides`), owned and ended
   * by the caller: for connections that must not be dropped when the pool is replaced, such as LISTEN
   * (postgres.js reconnects those itself, and a reconnect picks the primary as the pool does).
   */
  dedicated(overrides: postgres.Options<Record<string, never>> = {}): Sql {
    if (this.#closed) throw new Error('store is closed');
    return postgres(this.url, { ...this.options, ...overrides });
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
    await this.#sql.end({ timeout: 0 });
  }

  /** Replaces the pool unless another failure already did; in-flight queries on the old one may finish. */
  private replace(stale: Sql): void {
    if (this.#closed || stale !== this.#sql) return;
    this.#sql = postgres(this.url, this.options);
    stale.end({ timeout: END_TIMEOUT_S }).catch(() => {
      // Ending a pool whose server is gone can fail; nothing is waiting on it.
    });
  }
}
