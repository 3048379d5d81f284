/**
 * PostgreSQL for tests. Every test that needs PostgreSQL gets a fresh database from
 * createTestDatabase(). The server it lives on is, in order of preference:
 *   1. the admin URL in CONTINUUM_TEST_POSTGRES_URL;
 *   2. postgres://postgres@127.0.0.1:5432/postgres, if it answers;
 *   3. a private throwaway cluster started from the installed server binaries, once per test process.
 * Without any of these, tests fail (never skip) with instructions.
 */
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../../src/core/free-port.js';
import { asOwner, findPostgresBinaries, serverOwner, type OsUser } from '../../src/database/local/server-process.js';
import { redactPostgresUrl } from '../../src/store/postgres/url.js';

const run = promisify(execFile);

export const TEST_POSTGRES_URL_ENV = 'CONTINUUM_TEST_POSTGRES_URL';
const DEFAULT_ADMIN_URL = 'postgres://postgres@127.0.0.1:5432/postgres';
const SERVER_BINARIES_GLOB = '/usr/lib/postgresql/*/bin';

export interface TestDatabase {
  url: string;
  /** Drops the database, disconnecting whoever is still connected. */
  drop(): Promise<void>;
}

let adminUrl: Promise<string> | undefined;

/** A new, empty database with a unique name; its URL connects as the admin URL's user. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const admin = await (adminUrl ??= findAdminUrl());
  const name = `continuum_test_${process.pid}_${randomBytes(6).toString('hex')}`;
  try {
    await withAdmin(admin, (sql) => sql.unsafe(`CREATE DATABASE "${name}"`));
  } catch (err) {
    const source = process.env[TEST_POSTGRES_URL_ENV] ? ` (from ${TEST_POSTGRES_URL_ENV})` : '';
    throw new Error(`could not create a test database on ${redactPostgresUrl(admin)}${source}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    async drop() {
      if (dropped) return;
      dropped = true;
      await withAdmin(admin, (sql) => sql.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

async function findAdminUrl(): Promise<string> {
  const fromEnv = process.env[TEST_POSTGRES_URL_ENV];
  if (fromEnv) return fromEnv;
  if (await answers(DEFAULT_ADMIN_URL)) return DEFAULT_ADMIN_URL;
  const binDir = findPostgresBinaries();
  if (binDir) {
    return (await startPrivateCluster({ binDir })).url;
  }
  throw new Error(
    'These tests need PostgreSQL and found none: no ' +
      `${TEST_POSTGRES_URL_ENV}, nothing answering at ${DEFAULT_ADMIN_URL}, and no server binaries ` +
      `(${SERVER_BINARIES_GLOB}/initdb) to start a private one. Either install the server ` +
      `(apt-get install postgresql) or set ${TEST_POSTGRES_URL_ENV} to an admin URL ` +
      '(a user allowed to CREATE DATABASE), e.g. postgres://postgres:secret@db.example:5432/postgres.',
  );
}

/** One short-lived connection, so no pool keeps the test process alive. */
async function withAdmin<T>(url: string, op: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    return await op(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

async function answers(url: string): Promise<boolean> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
  try {
    await sql`SELECT 1`;
    return true;
  } catch {
    return false;
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
}

export interface PrivateClusterOptions {
  /** Directory holding initdb, pg_ctl, postgres (default: the newest under /usr/lib/postgresql). */
  binDir?: string;
  /** TCP port on 127.0.0.1 (default: a free one). */
  port?: number;
  /** Extra postgresql.conf settings, e.g. { wal_level: 'replica' }; values are quoted as needed. */
  settings?: Record<string, string | number | boolean>;
  /** Extra pg_hba.conf lines, appended after the default trust lines. */
  hba?: string[];
  /**
   * Use this data directory instead of running initdb (e.g. one made by pg_basebackup). It must be
   * owned by the user the server runs as; it is not deleted on stop.
   */
  existingDataDir?: string;
}

export interface PrivateCluster {
  /** Admin URL: user postgres, database postgres, trust auth. */
  url: string;
  port: number;
  dataDir: string;
  binDir: string;
  /** Runs a server binary (pg_ctl, pg_basebackup...) as the cluster's OS user. */
  runAsOwner(binary: string, args: string[]): Promise<string>;
  /** Fast shutdown, then removes the directory this call created. Idempotent. */
  stop(): Promise<void>;
  /** Immediate shutdown, synchronous: for process 'exit' handlers. Idempotent. */
  stopNow(): void;
}

/**
 * Starts a throwaway PostgreSQL server: initdb into a temp dir, trust auth, listening on 127.0.0.1
 * only. It is stopped at process exit if the caller has not stopped it. PostgreSQL refuses to run as root, so under root the server binaries run as the postgres OS
 * user (runuser) and the temp dir is handed to that user.
 */
export async function startPrivateCluster(opts: PrivateClusterOptions = {}): Promise<PrivateCluster> {
  const binDir = opts.binDir ?? findPostgresBinaries();
  if (!binDir) {
    throw new Error(`no PostgreSQL server binaries under ${SERVER_BINARIES_GLOB}; apt-get install postgresql`);
  }
  const owner = serverOwner();
  const port = opts.port ?? (await freePort());
  const baseDir = mkdtempSync(join(tmpdir(), 'continuum-pg-'));
  if (owner) chownSync(baseDir, owner.uid, owner.gid);
  const dataDir = opts.existingDataDir ?? join(baseDir, 'data');
  const logFile = join(baseDir, 'server.log');

  const runAsOwner = async (binary: string, args: string[]): Promise<string> => {
    const [file, argv] = asOwner(owner, join(binDir, binary), args);
    const { stdout } = await run(file, argv, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  };

  try {
    if (!opts.existingDataDir) {
      await runAsOwner('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '--no-sync']);
    }
    configure(dataDir, port, opts, owner);
    await runAsOwner('pg_ctl', ['-D', dataDir, '-l', logFile, '-w', '-t', '60', 'start']);
  } catch (err) {
    const log = existsSync(logFile) ? readFileSync(logFile, 'utf8') : '(no server log)';
    rmSync(baseDir, { recursive: true, force: true });
    throw new Error(`could not start a private PostgreSQL cluster: ${(err as Error).message}\n${log}`, { cause: err });
  }

  let stopped = false;
  const cleanUp = (): void => {
    process.off('exit', stopAtExit);
    rmSync(baseDir, { recursive: true, force: true });
  };
  // A test process that ends without stopping its cluster must not leave a server running.
  const stopAtExit = (): void => cluster.stopNow();
  const cluster: PrivateCluster = {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    dataDir,
    binDir,
    runAsOwner,
    async stop() {
      if (stopped) return;
      stopped = true;
      await runAsOwner('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => {
        // Already stopped (a test may have stopped or crashed it on purpose).
      });
      cleanUp();
    },
    stopNow() {
      if (stopped) return;
      stopped = true;
      const [file, argv] = asOwner(owner, join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', '-w', 'stop']);
      try {
        execFileSync(file, argv, { stdio: 'ignore' });
      } catch {
        // Already stopped.
      }
      cleanUp();
    },
  };
  process.once('exit', stopAtExit);
  return cluster;
}

function configure(dataDir: string, port: number, opts: PrivateClusterOptions, owner: OsUser | undefined): void {
  const settings: Record<string, string | number | boolean> = {
    listen_addresses: '127.0.0.1',
    port,
    // The socket goes in the data dir: the default (/var/run/postgresql) may not be writable.
    unix_socket_directories: dataDir,
    ...opts.settings,
  };
  const conf = Object.entries(settings)
    .map(([k, v]) => `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v)}`)
    .join('\n');
  // postgresql.auto.conf is read last and, within it, later lines win: appending overrides what initdb
  // wrote while keeping what a base backup wrote there (pg_basebackup -R puts primary_conninfo in it).
  const autoConf = join(dataDir, 'postgresql.auto.conf');
  const existing = existsSync(autoConf) ? readFileSync(autoConf, 'utf8') : '';
  writeOwned(autoConf, `${existing}\n${conf}\n`, owner);
  const hba = ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ...(opts.hba ?? [])];
  writeOwned(join(dataDir, 'pg_hba.conf'), `${hba.join('\n')}\n`, owner);
}

function writeOwned(file: string, text: string, owner: OsUser | undefined): void {
  writeFileSync(file, text, { mode: 0o600 });
  if (owner) chownSync(file, owner.uid, owner.gid);
}

