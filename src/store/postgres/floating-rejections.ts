/**
 * postgres.js 3.4 opens every connection by fetching the array types (`fetchArrayTypes()` in its
 * connection.js), an async call it never awaits or catches. When the server dies while a connection is
 * opening (a primary lost, a failover), that promise rejects with nobody listening, and Node ends the
 * process on the unhandled rejection: a node would crash exactly when it should ride out the failover.
 *
 * This guard, installed once per process by the PostgreSQL store, lets such rejections through as a
 * warning: connection failures raised inside postgres.js's connection code (the query that matters
 * fails on its own and is retried or reported by the store). Every other unhandled rejection keeps
 * Node's default: it is thrown, and the process ends.
 */
const CONNECTION_FAILURES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
  '57P01',
  '57P02',
  '57P03',
]);

let installed = false;

/** Ports of the PostgreSQL servers this process's stores connect to (see below). */
const databasePorts = new Set<number>();

/** Called by each PostgreSQL pool with the ports of its hosts. */
export function registerPostgresPorts(ports: number[]): void {
  for (const p of ports) databasePorts.add(p);
}

/**
 * A connection failure raised in postgres.js's connection code, or the socket error itself: when the
 * server refuses the connection outright, the floating promise rejects with Node's own `connect
 * ECONNREFUSED host:port` error, whose stack holds only Node's net internals. That one is recognised by
 * the failed syscall and the port: one of this process's database servers.
 */
export function isPostgresJsConnectionFailure(reason: unknown): boolean {
  if (!(reason instanceof Error)) return false;
  const { code, syscall, port } = reason as { code?: unknown; syscall?: unknown; port?: unknown };
  if (typeof code !== 'string' || !CONNECTION_FAILURES.has(code)) return false;
  if (/[\\/]postgres[\\/]src[\\/]connection\.js/.test(reason.stack ?? '')) return true;
  return syscall === 'connect' && typeof port === 'number' && databasePorts.has(port);
}

export function guardPostgresJsFloatingRejections(): void {
  if (installed) return;
  installed = true;
  process.on('unhandledRejection', (reason) => {
    if (isPostgresJsConnectionFailure(reason)) {
      process.emitWarning(`postgres.js connection failure nobody awaited (ignored): ${(reason as Error).message}`, 'ContinuumPostgresWarning');
      return;
    }
    throw reason;
  });
}

/**
 * postgres.js 3.4.9 also batches small writes with `setImmediate(nextWrite)` and does not cancel that
 * when the socket is torn down: if the server dies in between, `nextWrite` runs with `socket === null`
 * and throws a TypeError from the timer, outside any query (porsager/postgres#1154, #1208). The
 * connection is already gone and its queries fail on their own, so only that exact exception is
 * ignored; any other uncaught exception is reported the way Node does and ends the process.
 */
export function isPostgresJsNextWriteCrash(err: unknown): boolean {
  return err instanceof TypeError && /\bat (?:Immediate\.)?nextWrite \(.*[\\/]postgres[\\/]src[\\/]connection\.js/.test(err.stack ?? '');
}

let crashGuardInstalled = false;

export function guardPostgresJsNextWriteCrash(): void {
  if (crashGuardInstalled) return;
  crashGuardInstalled = true;
  process.on('uncaughtException', (err, origin) => {
    if (isPostgresJsNextWriteCrash(err)) {
      process.emitWarning(`postgres.js wrote to a connection already closed (ignored): ${err.message}`, 'ContinuumPostgresWarning');
      return;
    }
    // Node's own behaviour without a listener: print the error and exit with 1 (7 for a rejection is
    // not applicable here; unhandled rejections have their own guard above).
    process.stderr.write(`${origin === 'unhandledRejection' ? 'Unhandled rejection' : 'Uncaught exception'}: ${err.stack ?? String(err)}\n`);
    process.exit(1);
  });
}
