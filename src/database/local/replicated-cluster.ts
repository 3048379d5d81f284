/**
 * A local PostgreSQL primary with streaming standbys, for tests, drills (`continuum drill
 * database-failover`) and the failover benchmark. Not for production: trust authentication on
 * 127.0.0.1 only.
 *
 *   const db = await startReplicatedCluster({ sync: true });
 *   db.multiHostUrl      // postgres://postgres@127.0.0.1:p1,127.0.0.1:p2/continuum (give this to nodes)
 *   await db.killPrimary();   // kill -9 of the primary's postmaster and every backend (a machine loss)
 *   await db.stop();          // stops every server and removes the directory (unless `dir` was given)
 *
 * Data checksums are on (initdb -k), so page corruption is detected. In sync mode the primary has
 * `synchronous_commit = on` and `synchronous_standby_names = 'FIRST 1 (standby1)'`: a commit returns
 * only once standby1 has flushed it. PostgreSQL refuses to run as root; under root every server
 * binary runs as the `postgres` OS user (runuser) and the directories are handed to that user.
 */
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { freePort } from '../../core/free-port.js';
import { asOwner, findPostgresBinaries, serverOwner, waitFor } from './server-process.js';

export { findPostgresBinaries } from './server-process.js';

const run = promisify(execFile);

export interface ReplicatedClusterOptions {
  /** Synchronous replication to the first standby (RPO 0); otherwise asynchronous. */
  sync: boolean;
  /** Parent directory for the data directories (default: a new one under the OS temp dir, removed on stop). */
  dir?: string;
  /** Number of standbys (default 1). */
  standbys?: number;
  /** Database created on the primary and named in the URLs (default 'continuum'). */
  database?: string;
  /** PostgreSQL server binaries (default: the newest /usr/lib/postgresql/N/bin). */
  binDir?: string;
  /** Extra postgresql.conf settings for every server. */
  settings?: Record<string, string | number | boolean>;
}

export interface LocalPgHost {
  /** 'primary' (initially) or 'standby1', 'standby2'...: also the replication application_name. */
  name: string;
  host: string;
  port: number;
  dataDir: string;
  /** URL of this server alone (the cluster's database). */
  url: string;
}

export interface ReplicatedCluster {
  sync: boolean;
  /** The initial primary's URL. */
  primaryUrl: string;
  /** The first standby's URL. */
  standbyUrl: string;
  /** Every host in one URL: what nodes are given, so they follow the primary wherever it is. */
  multiHostUrl: string;
  /** hosts[0] is the initial primary. */
  hosts: LocalPgHost[];
  /** Kills the current primary like a lost machine: SIGKILL to its postmaster and every backend. */
  killPrimary(): Promise<LocalPgHost>;
  /** SIGKILL to one server's processes. */
  kill(name: string): Promise<void>;
  /** Stops one server cleanly (pg_ctl stop -m fast); used to fence an old primary. */
  stopHost(name: string): Promise<void>;
  /** Starts a stopped server again (as it was: a killed old primary comes back as a primary). */
  startHost(name: string): Promise<void>;
  /** The host that currently answers as primary (asks every server). */
  currentPrimary(): Promise<LocalPgHost | null>;
  /** Runs a server binary as the servers' OS user. */
  runAsOwner(binary: string, args: string[]): Promise<string>;
  /** Stops every server and removes the directory this call created. Idempotent. */
  stop(): Promise<void>;
}

function confLine(k: string, v: string | number | boolean): string {
  return `${k} = ${typeof v === 'string' ? `'${v.replace(/'/g, "''")}'` : String(v)}`;
}

/** The postmaster pid of a running data directory, or null. */
function postmasterPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** Direct children of a process (from /proc). */
function childrenOf(pid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) out.push(Number(entry));
    } catch {
      // Gone meanwhile.
    }
  }
  return out;
}

/** Running (a zombie left for a parent that never reaps it counts as dead). */
function alive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

export async function startReplicatedCluster(opts: ReplicatedClusterOptions): Promise<ReplicatedCluster> {
  const binDir = opts.binDir ?? findPostgresBinaries();
  if (!binDir) throw new Error(`no PostgreSQL server binaries under /usr/lib/postgresql/*/bin; on Debian: apt-get install postgresql`);
  const owner = serverOwner();
  const ownDir = opts.dir === undefined;
  const baseDir = opts.dir ?? mkdtempSync(join(tmpdir(), 'continuum-pgrepl-'));
  mkdirSync(baseDir, { recursive: true });
  if (owner) chownSync(baseDir, owner.uid, owner.gid);
  const database = opts.database ?? 'continuum';
  const standbyCount = opts.standbys ?? 1;

  const runAsOwner = async (binary: string, args: string[]): Promise<string> => {
    const file = join(binDir, binary);
    const [cmd, argv] = asOwner(owner, file, args);
    const { stdout } = await run(cmd, argv, { maxBuffer: 16 * 1024 * 1024 });
    return stdout;
  };
  const writeOwned = (file: string, text: string): void => {
    writeFileSync(file, text, { mode: 0o600 });
    if (owner) chownSync(file, owner.uid, owner.gid);
  };
  const appendConf = (dataDir: string, settings: Record<string, string | number | boolean>): void => {
    const autoConf = join(dataDir, 'postgresql.auto.conf');
    const existing = existsSync(autoConf) ? readFileSync(autoConf, 'utf8') : '';
    writeOwned(autoConf, `${existing}\n${Object.entries(settings).map(([k, v]) => confLine(k, v)).join('\n')}\n`);
  };
  const urlFor = (port: number): string => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const logOf = (h: LocalPgHost): string => join(baseDir, `${h.name}.log`);
  const startServer = (h: LocalPgHost): Promise<string> => runAsOwner('pg_ctl', ['-D', h.dataDir, '-l', logOf(h), '-w', '-t', '60', 'start']);

  const hosts: LocalPgHost[] = [];
  const standbyNames = Array.from({ length: standbyCount }, (_, i) => `standby${i + 1}`);
  const common: Record<string, string | number | boolean> = {
    listen_addresses: '127.0.0.1',
    wal_level: 'replica',
    max_wal_senders: 10,
    max_replication_slots: 10,
    hot_standby: 'on',
    wal_keep_size: '256MB',
    // Standbys answer the primary's status queries promptly, so lag is measured within ~1 s.
    wal_receiver_status_interval: '1s',
    // A dead sender or receiver is noticed within seconds, not the 60 s default.
    wal_sender_timeout: '5s',
    wal_receiver_timeout: '5s',
    // A standby whose primary restarted reconnects within half a second, not the 5 s default.
    wal_retrieve_retry_interval: '500ms',
    // Lets a demoted primary be rewound (pg_rewind) instead of rebuilt; checksums imply it anyway.
    wal_log_hints: 'on',
    ...opts.settings,
  };

  let stopped = false;
  const stopAll = async (): Promise<void> => {
    for (const h of hosts) {
      await runAsOwner('pg_ctl', ['-D', h.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    }
  };
  const stopAtExit = (): void => {
    // Synchronous: 'exit' handlers cannot wait.
    for (const h of hosts) {
      const pid = postmasterPid(h.dataDir);
      if (pid) killTree(pid);
    }
    if (ownDir) rmSync(baseDir, { recursive: true, force: true });
  };

  try {
    // The primary: checksums on (-k), trust on 127.0.0.1 for clients and replication.
    const primary: LocalPgHost = { name: 'primary', host: '127.0.0.1', port: await freePort(), dataDir: join(baseDir, 'primary'), url: '' };
    primary.url = urlFor(primary.port);
    hosts.push(primary);
    await runAsOwner('initdb', ['-D', primary.dataDir, '-U', 'postgres', '--auth=trust', '--no-locale', '-E', 'UTF8', '-k', '--no-sync']);
    writeOwned(join(primary.dataDir, 'pg_hba.conf'), ['local all all trust', 'host all all 127.0.0.1/32 trust', 'host replication all 127.0.0.1/32 trust', ''].join('\n'));
    appendConf(primary.dataDir, {
      ...common,
      port: primary.port,
      unix_socket_directories: primary.dataDir,
      ...(opts.sync ? { synchronous_commit: 'on', synchronous_standby_names: 'FIRST 1 (standby1)' } : { synchronous_commit: 'on', synchronous_standby_names: '' }),
    });
    process.once('exit', stopAtExit);
    await startServer(primary);
    // In sync mode CREATE DATABASE would wait for a standby that does not exist yet: create it first, locally.
    const admin = postgres(`postgres://postgres@127.0.0.1:${primary.port}/postgres`, { max: 1, onnotice: () => {} });
    try {
      await admin.unsafe(`SET synchronous_commit = local`);
      await admin.unsafe(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      for (const name of standbyNames) await admin`SELECT pg_create_physical_replication_slot(${name})`;
    } finally {
      await admin.end({ timeout: 5 });
    }

    // Standbys: a base backup of the primary (-R writes standby.signal and primary_conninfo), each with
    // its own slot (the primary keeps the WAL it has not received) and its application_name.
    for (const name of standbyNames) {
      const h: LocalPgHost = { name, host: '127.0.0.1', port: await freePort(), dataDir: join(baseDir, name), url: '' };
      h.url = urlFor(h.port);
      hosts.push(h);
      await runAsOwner('pg_basebackup', ['-D', h.dataDir, '-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres', '-R', '-X', 'stream', '-c', 'fast']);
      appendConf(h.dataDir, {
        ...common,
        port: h.port,
        unix_socket_directories: h.dataDir,
        primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres application_name=${name}`,
        primary_slot_name: name,
        ...(opts.sync ? { synchronous_commit: 'on', synchronous_standby_names: 'FIRST 1 (standby1)' } : {}),
      });
      await startServer(h);
    }
    // Ready once every standby streams (and, in sync mode, standby1 is the synchronous one).
    await waitFor(async () => {
      const sql = postgres(primary.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql<{ application_name: string; state: string; sync_state: string }[]>`
          SELECT application_name, state, sync_state FROM pg_stat_replication`;
        const streaming = rows.filter((r) => r.state === 'streaming').length === standbyCount;
        const syncOk = !opts.sync || rows.some((r) => r.application_name === 'standby1' && r.sync_state === 'sync');
        return streaming && syncOk;
      } finally {
        await sql.end({ timeout: 1 });
      }
    }, 60_000, 'the standbys to stream from the primary');
  } catch (err) {
    await stopAll();
    process.off('exit', stopAtExit);
    const logs = hosts.map((h) => (existsSync(logOf(h)) ? `--- ${h.name}\n${readFileSync(logOf(h), 'utf8').slice(-2000)}` : '')).join('\n');
    if (ownDir) rmSync(baseDir, { recursive: true, force: true });
    throw new Error(`could not start a replicated PostgreSQL cluster: ${(err as Error).message}\n${logs}`, { cause: err });
  }

  const byName = (name: string): LocalPgHost => {
    const h = hosts.find((x) => x.name === name);
    if (!h) throw new Error(`no host named ${name} (have ${hosts.map((x) => x.name).join(', ')})`);
    return h;
  };
  const kill = async (name: string): Promise<void> => {
    const h = byName(name);
    const pid = postmasterPid(h.dataDir);
    if (pid === null) return;
    killTree(pid);
    await waitFor(async () => !alive(pid), 10_000, `${name} to die`);
  };
  const currentPrimary = async (): Promise<LocalPgHost | null> => {
    for (const h of hosts) {
      const sql = postgres(h.url, { max: 1, onnotice: () => {}, connect_timeout: 2 });
      try {
        const [row] = await sql<{ standby: boolean }[]>`SELECT pg_is_in_recovery() AS standby`;
        if (!row.standby) return h;
      } catch {
        // Down.
      } finally {
        await sql.end({ timeout: 0 }).catch(() => undefined);
      }
    }
    return null;
  };

  return {
    sync: opts.sync,
    primaryUrl: hosts[0].url,
    standbyUrl: hosts[1].url,
    multiHostUrl: `postgres://postgres@${hosts.map((h) => `${h.host}:${h.port}`).join(',')}/${database}`,
    hosts,
    async killPrimary() {
      const p = await currentPrimary();
      if (!p) throw new Error('no primary is running');
      await kill(p.name);
      return p;
    },
    kill,
    async stopHost(name) {
      await runAsOwner('pg_ctl', ['-D', byName(name).dataDir, '-m', 'fast', '-w', 'stop']);
    },
    async startHost(name) {
      const h = byName(name);
      // A SIGKILLed postmaster leaves its pid file; pg_ctl handles that (the pid is no longer alive).
      await startServer(h);
    },
    currentPrimary,
    runAsOwner,
    async stop() {
      if (stopped) return;
      stopped = true;
      await stopAll();
      process.off('exit', stopAtExit);
      if (ownDir) rmSync(baseDir, { recursive: true, force: true });
    },
  };
}

/** SIGKILL to a postmaster and its children (backends, WAL sender/receiver...), children first listed. */
function killTree(pid: number): void {
  const children = childrenOf(pid);
  for (const p of [pid, ...children]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

