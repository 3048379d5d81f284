/**
 * A local Patroni cluster for the failover benchmark: one etcd 3.4 and two Patroni 3.0 members
 * (PostgreSQL 15, synchronous_mode), all on 127.0.0.1. Patroni and PostgreSQL run as the `postgres`
 * OS user (PostgreSQL refuses root). Debian: apt-get install patroni etcd-server.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { chownSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findPostgresBinaries, waitFor as waitUntil } from '../../src/database/local/server-process.js';

/** Patroni's loops are slower: poll every 200 ms. */
const waitFor = (check: () => Promise<boolean>, ms: number, what: string) => waitUntil(check, ms, what, 200);
import { PatroniClient } from '../../src/database/patroni.js';
import { freePort } from '../../src/core/free-port.js';

export interface PatroniTimings {
  ttl: number;
  loopWait: number;
  retryTimeout: number;
}

export interface PatroniMemberProc {
  name: string;
  pgPort: number;
  apiPort: number;
  dataDir: string;
  proc: ChildProcess | null;
}

export interface LocalPatroniCluster {
  multiHostUrl: string;
  members: PatroniMemberProc[];
  client: PatroniClient;
  /** kill -9 of the leader's Patroni and PostgreSQL processes (a lost machine). */
  killLeader(): Promise<PatroniMemberProc>;
  stop(): Promise<void>;
}

function which(bin: string): string {
  for (const dir of ['/usr/bin', '/usr/sbin', '/usr/local/bin']) {
    try {
      execFileSync('test', ['-x', join(dir, bin)]);
      return join(dir, bin);
    } catch {
      // Not here.
    }
  }
  throw new Error(`${bin} not found: apt-get install patroni etcd-server`);
}

function descendants(pid: number): number[] {
  const byParent = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const st = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]);
      byParent.set(ppid, [...(byParent.get(ppid) ?? []), Number(e)]);
    } catch {
      // Gone.
    }
  }
  const out: number[] = [];
  const walk = (p: number): void => {
    for (const c of byParent.get(p) ?? []) {
      out.push(c);
      walk(c);
    }
  };
  walk(pid);
  return out;
}

function killTree(pid: number): void {
  for (const p of [pid, ...descendants(pid)]) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
}

export async function startPatroniCluster(t: PatroniTimings): Promise<LocalPatroniCluster> {
  const binDir = findPostgresBinaries();
  if (!binDir) throw new Error('no PostgreSQL binaries');
  const etcdBin = which('etcd');
  const patroniBin = which('patroni');
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const dir = mkdtempSync(join(tmpdir(), 'continuum-patroni-'));
  chownSync(dir, uid, gid);
  const etcdClient = await freePort();
  const etcdPeer = await freePort();
  const etcdLog = openSync(join(dir, 'etcd.log'), 'a');
  const etcd = spawn(
    etcdBin,
    [
      '--name', 'bench', '--data-dir', join(dir, 'etcd'),
      '--listen-client-urls', `http://127.0.0.1:${etcdClient}`, '--advertise-client-urls', `http://127.0.0.1:${etcdClient}`,
      '--listen-peer-urls', `http://127.0.0.1:${etcdPeer}`, '--initial-advertise-peer-urls', `http://127.0.0.1:${etcdPeer}`,
      '--initial-cluster', `bench=http://127.0.0.1:${etcdPeer}`,
    ],
    { stdio: ['ignore', etcdLog, etcdLog] },
  );
  const members: PatroniMemberProc[] = [];
  for (const name of ['pg1', 'pg2']) {
    members.push({ name, pgPort: await freePort(), apiPort: await freePort(), dataDir: join(dir, name), proc: null });
  }
  const startMember = (m: PatroniMemberProc): void => {
    const cfg = join(dir, `${m.name}.yml`);
    writeFileSync(
      cfg,
      `scope: bench
name: ${m.name}
log: {level: WARNING}
restapi: {listen: 127.0.0.1:${m.apiPort}, connect_address: 127.0.0.1:${m.apiPort}}
etcd3: {hosts: 127.0.0.1:${etcdClient}}
bootstrap:
  dcs:
    ttl: ${t.ttl}
    loop_wait: ${t.loopWait}
    retry_timeout: ${t.retryTimeout}
    maximum_lag_on_failover: 1048576
    synchronous_mode: true
    postgresql:
      use_pg_rewind: true
      use_slots: true
      parameters: {wal_level: replica, hot_standby: 'on', wal_log_hints: 'on', max_wal_senders: 10, max_replication_slots: 10, synchronous_commit: 'on', wal_sender_timeout: 5s, wal_receiver_timeout: 5s}
  initdb: [{encoding: UTF8}, data-checksums, no-locale]
  pg_hba: ['local all all trust', 'host replication all 127.0.0.1/32 trust', 'host all all 127.0.0.1/32 trust']
postgresql:
  listen: 127.0.0.1:${m.pgPort}
  connect_address: 127.0.0.1:${m.pgPort}
  data_dir: ${m.dataDir}
  bin_dir: ${binDir}
  pgpass: ${join(dir, `${m.name}.pgpass`)}
  authentication:
    superuser: {username: postgres}
    replication: {username: postgres}
  parameters: {unix_socket_directories: '${dir}'}
`,
    );
    chownSync(cfg, uid, gid);
    const log = openSync(join(dir, `${m.name}.log`), 'a');
    chownSync(join(dir, `${m.name}.log`), uid, gid);
    m.proc = spawn('runuser', ['-u', 'postgres', '--', patroniBin, cfg], { stdio: ['ignore', log, log] });
  };
  const client = new PatroniClient(members.map((m) => `http://127.0.0.1:${m.apiPort}`));
  const stop = async (): Promise<void> => {
    for (const m of members) if (m.proc?.pid) killTree(m.proc.pid);
    for (const m of members) {
      try {
        const pid = Number(readFileSync(join(m.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) killTree(pid);
      } catch {
        // Not running.
      }
    }
    if (etcd.pid) killTree(etcd.pid);
    await new Promise((r) => setTimeout(r, 300));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    startMember(members[0]);
    await waitFor(async () => (await client.topology()).leader === 'pg1', 60_000, 'pg1 to lead');
    startMember(members[1]);
    await waitFor(async () => {
      const topo = await client.topology();
      return topo.members.some((x) => x.name === 'pg2' && x.role === 'sync_standby' && (x.state === 'streaming' || x.state === 'running'));
    }, 90_000, 'pg2 to stream as the synchronous standby');
  } catch (err) {
    const logs = ['etcd', 'pg1', 'pg2'].map((n) => {
      try {
        return `--- ${n}\n${readFileSync(join(dir, `${n}.log`), 'utf8').slice(-1500)}`;
      } catch {
        return '';
      }
    });
    await stop();
    throw new Error(`${(err as Error).message}\n${logs.join('\n')}`, { cause: err });
  }
  return {
    multiHostUrl: `postgres://postgres@${members.map((m) => `127.0.0.1:${m.pgPort}`).join(',')}/postgres`,
    members,
    client,
    async killLeader() {
      const topo = await client.topology();
      const leader = members.find((m) => m.name === topo.leader);
      if (!leader) throw new Error('no leader');
      if (leader.proc?.pid) killTree(leader.proc.pid);
      try {
        const pid = Number(readFileSync(join(leader.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
        if (pid > 0) killTree(pid);
      } catch {
        // Already gone.
      }
      leader.proc = null;
      return leader;
    },
    stop,
  };
}

