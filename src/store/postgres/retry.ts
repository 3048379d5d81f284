/**
 * Which PostgreSQL failures are worth retrying, and the bounded backoff loop that retries them.
 *
 * Two policies, because a retry is only harmless when repeating the operation is:
 *  - 'idempotent': reads, touches, deletes by id, retention, migrations. Retried after any transient
 *    failure, including ones where the first attempt may have committed.
 *  - 'if-not-committed': writes whose repetition would differ (a duplicate insert, a second version
 *    bump, a second batch of events with new seqs). Retried only when the failure proves the statement
 *    did not commit: it never reached a primary, or the server answered it with an error (which, for
 *    the single autocommit statements used here, means it rolled back). A connection lost while the
 *    statement was in flight leaves the outcome in doubt, so the error goes to the caller instead.
 */

export type RetryPolicy = 'idempotent' | 'if-not-committed';

/** Failures that prove the statement did not commit. */
const NOT_COMMITTED = new Set([
  // Never connected, so nothing was sent.
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_ENDED', // the query was issued on a pool already shut down by a reset
  'NO_PRIMARY', // every host answered and none is a writable primary (a failover is under way)
  '57P03', // cannot_connect_now: server starting up or shutting down
  '53300', // too_many_connections (at connect)
  // The server refused or rolled back the statement.
  '25006', // read_only_sql_transaction: we reached a standby or a demoted primary
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '25P03', // idle_in_transaction_session_timeout: the server rolled the transaction back
]);

/**
 * Transient failures where a statement in flight may have committed. 57P01 belongs here, not above:
 * with synchronous replication a backend told to shut down can report it after committing locally.
 */
const IN_DOUBT = new Set([
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '08000',
  '08001',
  '08003',
  '08006', // connection_failure
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
]);

export type FailureKind = 'not-committed' | 'in-doubt' | 'permanent';

export function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

export function classifyFailure(err: unknown): FailureKind {
  const code = errorCode(err);
  if (code === undefined) return 'permanent';
  if (NOT_COMMITTED.has(code)) return 'not-committed';
  if (IN_DOUBT.has(code)) return 'in-doubt';
  return 'permanent';
}

export function isRetryable(err: unknown, policy: RetryPolicy): boolean {
  const kind = classifyFailure(err);
  return kind === 'not-committed' || (kind === 'in-doubt' && policy === 'idempotent');
}

export interface RetryOptions {
  /** Total time allowed for retries after the first failure. */
  budgetMs?: number;
  /** Called before each retry, e.g. to drop connections to a server that turned read-only. */
  onRetry?: (err: unknown) => void;
  /** Checked before each retry; a closed store stops retrying. */
  shouldStop?: () => boolean;
}

const DEFAULT_BUDGET_MS = 10_000;
const FIRST_DELAY_MS = 25;
const MAX_DELAY_MS = 1_000;

export async function withRetry<T>(policy: RetryPolicy, op: () => Promise<T>, opts: RetryOptions = {}): Promise<T> {
  const budget = opts.budgetMs ?? DEFAULT_BUDGET_MS;
  let deadline: number | undefined;
  for (let attempt = 0; ; attempt++) {
    try {
      return await op();
    } catch (err) {
      deadline ??= performance.now() + budget;
      const delay = backoffDelay(attempt);
      if (!isRetryable(err, policy) || opts.shouldStop?.() || performance.now() + delay > deadline) throw err;
      opts.onRetry?.(err);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}

/** Exponential with full jitter in its upper half, so nodes recovering together do not retry in step. */
function backoffDelay(attempt: number): number {
  const ceiling = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** attempt);
  return ceiling / 2 + Math.random() * (ceiling / 2);
}
