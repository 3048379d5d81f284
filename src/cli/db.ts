import { CommanderError, type Command } from 'commander';
import postgres from 'postgres';
import { AuditLog } from '../access/audit-log.js';
import { loadConfig, type ContinuumConfig } from '../config/index.js';
import { systemClock } from '../core/clock.js';
import { checkIntegrity, integritySignal } from '../database/corruption.js';
import { runFailover, type FailoverReport, type FailoverStep } from '../database/failover.js';
import { PatroniClient } from '../database/patroni.js';
import { lagSignal, readReplicationStatus, type ReplicationStatus } from '../database/replication.js';
import { backupSqlite, restoreSqlite } from '../database/sqlite-backup.js';
import { openStore } from '../store/index.js';
import { choosePrimary, formatHost, parseMultiHostUrl, probeHosts, type HostProbe } from '../store/postgres/topology.js';
import { redactPostgresUrl } from '../store/postgres/url.js';
import { cliActor } from './local-store.js';
import { print, printJson } from './output.js';

interface DbFlags {
  config?: string;
  store?: string;
  json?: boolean;
}

function config(flags: DbFlags): ContinuumConfig {
  return loadConfig({ file: flags.config, flags: { store: flags.store } });
}

function postgresUrl(c: ContinuumConfig, what: string): string {
  if (!/^postgres(ql)?:\/\//.test(c.store)) {
    throw new Error(`${what} needs a PostgreSQL store (--store postgres://user@host1,host2/db); the configured store is ${c.store}`);
  }
  return c.store;
}

function sqlitePath(c: ContinuumConfig, what: string): string {
  if (!c.store.startsWith('sqlite:')) throw new Error(`${what} is for SQLite stores; for PostgreSQL use pg_basebackup and a WAL archive (the configured store is ${redactPostgresUrl(c.store)})`);
  return c.store.slice('sqlite:'.length);
}

/** Records an operator action in the store's audit log; a store that does not answer does not stop the action's report. */
async function audit(c: ContinuumConfig, action: string, target: string, details: Record<string, string | number | boolean | null>): Promise<void> {
  try {
    const store = await openStore(c.store);
    try {
      await store.migrate();
      await new AuditLog(store.audit, systemClock).record(cliActor(), action, target, details);
    } finally {
      await store.close();
    }
  } catch (err) {
    process.stderr.write(`continuum: warning: could not record ${action} in the audit log: ${(err as Error).message}\n`);
  }
}

export interface DbStatus {
  store: string;
  hosts: HostProbe[];
  primary: string | null;
  reason: string;
  replication: ReplicationStatus | null;
  rpoTargetSeconds: number;
  lag: { firing: boolean; summary: string } | null;
}

export async function dbStatus(c: ContinuumConfig): Promise<DbStatus> {
  const multi = parseMultiHostUrl(postgresUrl(c, 'db status'));
  const hosts = await probeHosts(multi);
  const { primary, reason } = choosePrimary(hosts);
  let replication: ReplicationStatus | null = null;
  if (primary) {
    const sql = postgres(multi.forHost(primary), { max: 1, connect_timeout: 3, onnotice: () => {} });
    const standbys: Record<string, postgres.Sql> = {};
    try {
      for (const h of hosts.filter((x) => x.role === 'standby')) {
        const s = postgres(multi.forHost(h), { max: 1, connect_timeout: 3, onnotice: () => {} });
        const [row] = await s<{ c: string }[]>`SELECT current_setting('primary_conninfo') AS c`.catch(() => [{ c: '' }]);
        standbys[/application_name=([^\s']+)/.exec(row.c)?.[1] ?? formatHost(h)] = s;
      }
      replication = await readReplicationStatus(sql, standbys);
    } finally {
      await Promise.all([sql, ...Object.values(standbys)].map((s) => s.end({ timeout: 1 })));
    }
  }
  const rpoTargetSeconds = c.database.rpoTarget / 1000;
  return { store: redactPostgresUrl(c.store), hosts, primary: primary ? formatHost(primary) : null, reason, replication, rpoTargetSeconds, lag: primary ? lagSignal(replication, rpoTargetSeconds) : null };
}

function statusText(s: DbStatus): string {
  const lines = [`store: ${s.store}`, `primary: ${s.primary ?? 'NONE'} (${s.reason})`, ''];
  lines.push('HOST                    ROLE         TIMELINE  PROBE');
  for (const h of s.hosts) lines.push(`${formatHost(h).padEnd(24)}${h.role.padEnd(13)}${String(h.timeline ?? '-').padEnd(10)}${Math.round(h.ms)} ms${h.error ? `  ${h.error}` : ''}`);
  const r = s.replication;
  if (r) {
    lines.push('', `replication: ${r.synchronous ? `synchronous (synchronous_standby_names = '${r.synchronousStandbyNames}')` : 'asynchronous'}`);
    lines.push('STANDBY         STATE       SYNC       LAG BYTES   LAG SECONDS');
    for (const sb of r.standbys) {
      lines.push(`${sb.name.padEnd(16)}${sb.state.padEnd(12)}${sb.syncState.padEnd(11)}${String(sb.lagBytes).padEnd(12)}${sb.lagSeconds.toFixed(3)}`);
    }
    if (r.standbys.length === 0) lines.push('(no standby connected)');
    lines.push('', `RPO if the primary failed now: ${r.rpoEstimateSeconds === null ? 'everything since the last backup (no standby streams)' : `${r.rpoEstimateSeconds.toFixed(3)} s`} (target ${s.rpoTargetSeconds} s)`);
  }
  if (s.lag?.firing) lines.push(`SIGNAL: ${s.lag.summary}`);
  return lines.join('\n');
}

function stepLine(s: FailoverStep): string {
  return `${s.ok ? 'ok  ' : 'FAIL'} ${s.name.padEnd(18)} ${String(s.ms).padStart(6)} ms  ${s.detail}`;
}

export function registerDb(program: Command): void {
  const db = program
    .command('db')
    .summary('database continuity: replication status, failover, integrity, SQLite backups')
    .description(
      'Database continuity.\n' +
        'PostgreSQL: give Continuum every host (postgres://user@db1:5432,db2:5432/app); nodes find the primary\n' +
        'themselves. `db status` shows each host, replication lag and the RPO a failover would cost now;\n' +
        '`db failover` runs the plan\'s failover procedure for plain streaming replication; with Patroni\n' +
        '(database.failover.mode = patroni) it asks Patroni instead.\n' +
        'SQLite: `db backup` / `db restore` with the online backup API.',
    );
  const common = (cmd: Command): Command =>
    cmd
      .option('-c, --config <file>', 'YAML configuration file (default: ./continuum.yaml when present)')
      .option('--store <url>', 'the store (config: store, env CONTINUUM_STORE)')
      .option('--json', 'print JSON');

  common(db.command('status').description('Every database host and its role, replication state and lag (bytes and seconds), and the RPO a failover now would cost.')).action(
    async (flags: DbFlags) => {
      const c = config(flags);
      const s = await dbStatus(c);
      if (flags.json) printJson(s);
      else print(statusText(s));
      if (!s.primary) exit(3);
    },
  );

  common(
    db
      .command('failover')
      .description(
        'Promote a standby: check replication, fence the old primary (stop writes), verify the standby is ready and\n' +
          'caught up, pg_promote, repoint, verify writes. Each step is printed with its timing. In synchronous mode\n' +
          'it refuses a standby that may lack an acknowledged commit unless --force. With database.failover.mode =\n' +
          'patroni the request goes to Patroni (a switchover when a leader is up, else a failover to --to).',
      )
      .option('--to <host>', 'the standby to promote: host:port or its application_name (default: the most advanced)')
      .option('--force', 'promote even if acknowledged commits may be lost (the report says so)'),
  ).action(async (flags: DbFlags & { to?: string; force?: boolean }) => {
    const c = config(flags);
    if (c.database.failover.mode === 'patroni') {
      const patroni = new PatroniClient(c.database.patroni.urls);
      const t = await patroni.topology();
      const answer = t.leader ? await patroni.switchover(flags.to) : await patroni.failover(requireTo(flags.to));
      await audit(c, 'db.failover', flags.to ?? 'patroni', { mode: 'patroni', answer });
      if (flags.json) printJson({ mode: 'patroni', leader: t.leader, answer });
      else print(`Patroni: ${answer}`);
      return;
    }
    const url = postgresUrl(c, 'db failover');
    const report: FailoverReport = await runFailover({
      url,
      to: flags.to,
      force: flags.force,
      fenceCommand: c.database.failover.fenceCommand,
      repointCommand: c.database.failover.repointCommand,
      onStep: flags.json ? undefined : (s) => print(stepLine(s)),
    });
    await audit(c, 'db.failover', report.to ?? flags.to ?? 'none', { outcome: report.outcome, from: report.from, to: report.to, force: flags.force === true, reason: report.reason ?? null, totalMs: report.totalMs });
    if (flags.json) printJson(report);
    else print(`${report.outcome.toUpperCase()} in ${report.totalMs} ms${report.reason ? `: ${report.reason}` : ''}${report.mayHaveLostCommits ? '\nWARNING: acknowledged commits may have been lost' : ''}`);
    if (report.outcome !== 'promoted') exit(report.outcome === 'refused' ? 4 : 1);
  });

  common(db.command('check').description('Integrity check of the store: every continuum_ table read in full (data checksums catch damaged pages), B-tree indexes with amcheck when installed; SQLite: PRAGMA integrity_check.')).action(
    async (flags: DbFlags) => {
      const c = config(flags);
      if (c.store.startsWith('sqlite:')) {
        const { checkFile } = await import('../database/sqlite-backup.js');
        const verdict = checkFile(sqlitePath(c, 'db check'));
        if (flags.json) printJson({ ok: verdict === 'ok', integrity: verdict });
        else print(`integrity_check: ${verdict}`);
        if (verdict !== 'ok') exit(5);
        return;
      }
      const multi = parseMultiHostUrl(postgresUrl(c, 'db check'));
      const { primary, reason } = choosePrimary(await probeHosts(multi));
      if (!primary) throw new Error(`no primary to check: ${reason}`);
      const sql = postgres(multi.forHost(primary), { max: 1, onnotice: () => {} });
      try {
        const report = await checkIntegrity(sql);
        const signal = integritySignal(report);
        if (flags.json) printJson({ ...report, signal });
        else print(`${formatHost(primary)}: ${signal.summary} (${report.tables.length} tables${report.indexes ? `, ${report.indexes.length} indexes` : ''}; checksums ${report.checksums ? 'on' : 'OFF'})`);
        if (!report.ok) exit(5);
      } finally {
        await sql.end({ timeout: 1 });
      }
    },
  );

  common(db.command('backup').argument('<file>', 'where to write the copy (must not exist)').description('SQLite: an online, consistent copy of the store (nodes may keep running), checked with integrity_check.')).action(
    async (file: string, flags: DbFlags) => {
      const c = config(flags);
      const r = await backupSqlite(sqlitePath(c, 'db backup'), file);
      await audit(c, 'db.backup', r.file, { bytes: r.bytes, ms: r.ms });
      if (flags.json) printJson(r);
      else print(`backed up ${r.pages} pages (${r.bytes} bytes) to ${r.file} in ${r.ms} ms; integrity_check: ${r.integrity}`);
    },
  );

  common(
    db
      .command('restore')
      .argument('<file>', 'a backup made by continuum db backup')
      .description('SQLite: replace the store with a backup (checked first). Stop the nodes first; the old file is kept as <file>.before-restore.')
      .option('--force', 'restore even though nodes heartbeated recently'),
  ).action(async (file: string, flags: DbFlags & { force?: boolean }) => {
    const c = config(flags);
    const path = sqlitePath(c, 'db restore');
    if (!flags.force) {
      const { existsSync } = await import('node:fs');
      if (existsSync(path)) {
        const store = await openStore(c.store).catch(() => null);
        if (store) {
          try {
            const [nodes, now] = await Promise.all([store.nodes.list().catch(() => []), store.now()]);
            const live = nodes.filter((n) => now - n.lastHeartbeat < 10_000);
            if (live.length > 0) throw new Error(`nodes ${live.map((n) => n.id).join(', ')} heartbeated in the last 10 s: stop them first (or pass --force)`);
          } finally {
            await store.close();
          }
        }
      }
    }
    const r = await restoreSqlite(file, path);
    await audit(c, 'db.restore', r.file, { from: file, bytes: r.bytes });
    if (flags.json) printJson(r);
    else print(`restored ${file} to ${r.file} (${r.bytes} bytes) in ${r.ms} ms; integrity_check: ${r.integrity}`);
  });
}

/** The way a command's exit code reaches main() (it has printed its report already). */
function exit(code: number): never {
  throw new CommanderError(code, 'continuum.db', `exit ${code}`);
}

function requireTo(to: string | undefined): string {
  if (!to) throw new Error('Patroni reports no leader: name the member to promote with --to <name> (see continuum db status)');
  return to;
}
