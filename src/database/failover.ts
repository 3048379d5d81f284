/**
 * The continuity plan's database failover procedure as an automated runbook, for plain streaming
 * replication (with Patroni, ask Patroni instead: patroni.ts). The plan's steps, in order, each
 * logged with its timing:
 *
 *   1. check-replication   every host's role; replication status on the primary if it answers;
 *                          each standby's received WAL position and synchronous_standby_names
 *   2. fence-old-primary   stop writes to the old primary: if it answers, make it read-only
 *                          (default_transaction_read_only, reloaded) and end its client sessions;
 *                          run the configured fence command (e.g. the plan's `kubectl scale ... 0`)
 *   3. verify-standby      the target is a standby, and caught up: with the old primary fenced,
 *                          it has received all its WAL; with the old primary gone, in synchronous
 *                          mode it must be a standby that had every acknowledged commit, or the
 *                          runbook refuses (unless forced) and says why
 *   4. promote             SELECT pg_promote(true, N): the standby starts a new timeline
 *   5. reconfigure         remaining standbys follow the new primary; with none left in
 *                          synchronous mode, synchronous replication is switched off (else every
 *                          commit would wait forever) and the report says RPO is no longer 0
 *   6. repoint-nodes       nodes given every host find the new primary themselves (the newest
 *                          timeline wins; a fenced server never does): verified here by the same
 *                          rule; a configured repoint command runs too (DNS, a balancer)
 *   7. verify-writes       a write on the new primary commits
 *
 * The plan's SQL, corrected: `SELECT NOT pg_is_in_recovery() AS is_primary`, `SELECT pg_promote()`.
 */
import { exec } from 'node:child_process';
import { promisify } from 'node:util';
import postgres from 'postgres';
import { choosePrimary, formatHost, parseMultiHostUrl, probeHosts, type HostProbe, type MultiHostUrl, type PgHost } from '../store/postgres/topology.js';
import { withTimeout } from '../core/timeout.js';
import { ensureHeartbeatTable, writeHeartbeat } from './heartbeat.js';
import { readReplicationStatus, type ReplicationStatus } from './replication.js';

const sh = promisify(exec);

export type StepName = 'check-replication' | 'fence-old-primary' | 'verify-standby' | 'promote' | 'reconfigure' | 'repoint-nodes' | 'verify-writes';

export interface FailoverStep {
  name: StepName;
  ok: boolean;
  /** ISO time the step began. */
  startedAt: string;
  ms: number;
  detail: string;
}

export interface FailoverReport {
  outcome: 'promoted' | 'refused' | 'failed';
  /** The old primary (host:port), when one was known. */
  from: string | null;
  /** The promoted standby (host:port). */
  to: string | null;
  /** Why it refused or failed. */
  reason?: string;
  /** Acknowledged commits may be missing on the new primary (asynchronous, or forced). */
  mayHaveLostCommits: boolean;
  steps: FailoverStep[];
  totalMs: number;
}

export interface FailoverOptions {
  /** Every database host, in one URL (postgres://u@h1:p1,h2:p2/db). */
  url: string;
  /** The standby to promote: host:port or its application_name; default the most advanced. */
  to?: string;
  /** Promote even when the target may lack acknowledged commits. */
  force?: boolean;
  /** Refuse when a writable primary answers (automatic failover: never a second promotion). */
  requireNoPrimary?: boolean;
  /** How to fence an old primary beyond SQL (e.g. stop it); receives host:port. */
  fence?: (host: string) => Promise<string>;
  /** Shell command that fences the old primary; CONTINUUM_FENCE_HOST holds host:port. */
  fenceCommand?: string;
  /** Shell command run after promotion to repoint clients; CONTINUUM_NEW_PRIMARY holds host:port. */
  repointCommand?: string;
  /** How long to wait for the target to catch up with a fenced old primary (default 10 s). */
  catchUpTimeoutMs?: number;
  /** How long the verifying write may take (default 30 s; in synchronous mode it waits for a standby). */
  verifyTimeoutMs?: number;
  /** pg_promote's wait (default 30 s). */
  promoteTimeoutSeconds?: number;
  /** Each step as it finishes (for logs and the incident timeline). */
  onStep?: (step: FailoverStep) => void;
}

interface StandbyView {
  probe: HostProbe;
  name: string;
  receiveLsn: string | null;
  /** receive LSN as a number for comparisons. */
  received: bigint;
  syncNames: string[];
  syncNamesRaw: string;
  conninfo: string;
  /** primary_slot_name ('' = none). */
  slot: string;
}

class Refusal extends Error {}

export async function runFailover(o: FailoverOptions): Promise<FailoverReport> {
  const multi = parseMultiHostUrl(o.url);
  const started = performance.now();
  const steps: FailoverStep[] = [];
  const report: FailoverReport = { outcome: 'failed', from: null, to: null, mayHaveLostCommits: false, steps, totalMs: 0 };
  const step = async (name: StepName, body: () => Promise<string>): Promise<void> => {
    const startedAt = new Date().toISOString();
    const t0 = performance.now();
    try {
      const detail = await body();
      const s = { name, ok: true, startedAt, ms: Math.round(performance.now() - t0), detail };
      steps.push(s);
      o.onStep?.(s);
    } catch (err) {
      const s = { name, ok: false, startedAt, ms: Math.round(performance.now() - t0), detail: (err as Error).message };
      steps.push(s);
      o.onStep?.(s);
      throw err;
    }
  };

  try {
    let probes: HostProbe[] = [];
    let oldPrimary: HostProbe | null = null;
    let status: ReplicationStatus | null = null;
    let standbys: StandbyView[] = [];
    await step('check-replication', async () => {
      probes = await probeHosts(multi, 2000);
      oldPrimary = choosePrimary(probes).primary ?? probes.find((p) => p.role === 'fenced') ?? null;
      report.from = oldPrimary ? formatHost(oldPrimary) : null;
      if (o.requireNoPrimary && choosePrimary(probes).primary) throw new Refusal(`${report.from} answers as primary: nothing to fail over`);
      if (oldPrimary?.role === 'primary') {
        status = await withSql(multi, oldPrimary, (sql) => readReplicationStatus(sql)).catch(() => null);
      }
      standbys = await Promise.all(probes.filter((p) => p.role === 'standby').map((p) => standbyView(multi, p)));
      const roles = probes.map((p) => `${formatHost(p)}=${p.role}`).join(', ');
      const lag = status
        ? `; on the primary: ${(status as ReplicationStatus).standbys.map((s) => `${s.name} ${s.state}/${s.syncState} ${s.lagBytes} B behind`).join(', ') || 'no standby connected'}`
        : '';
      const pos = standbys.map((s) => `${s.name} received ${s.receiveLsn ?? '?'}`).join(', ');
      if (standbys.length === 0) throw new Refusal(`no standby answers (${roles}): nothing to promote`);
      return `${roles}${lag}; ${pos}`;
    });

    const target = pickTarget(standbys, o.to);
    report.to = formatHost(target.probe);

    await step('fence-old-primary', async () => {
      const done: string[] = [];
      const old = oldPrimary as HostProbe | null;
      if (old && (old.role === 'primary' || old.role === 'fenced')) {
        await withSql(multi, old, async (sql) => {
          await sql`ALTER SYSTEM SET default_transaction_read_only = on`;
          await sql`SELECT pg_reload_conf()`;
          const [{ n }] = await sql<{ n: number }[]>`
            SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
             WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`;
          done.push(`${formatHost(old)} set read-only and ${n} client session(s) ended`);
        });
      } else if (old) {
        done.push(`old primary ${formatHost(old)} is ${old.role}`);
      } else {
        const gone = probes.filter((p) => p.role !== 'standby').map((p) => `${formatHost(p)} ${p.role}`);
        done.push(`no server answers as primary${gone.length ? ` (${gone.join(', ')})` : ''}; if one comes back, nodes still pick the promoted standby (newer timeline)`);
      }
      const host = old ? formatHost(old) : probes.filter((p) => p.role !== 'standby').map(formatHost).join(',');
      if (o.fence && host) done.push(await o.fence(host));
      if (o.fenceCommand && host) {
        await sh(o.fenceCommand, { env: { ...process.env, CONTINUUM_FENCE_HOST: host }, timeout: 60_000 });
        done.push(`fence command ran for ${host}`);
      }
      return done.join('; ');
    });

    await step('verify-standby', async () => {
      const [row] = await withSql(multi, target.probe, (sql) => sql<{ is_primary: boolean }[]>`SELECT NOT pg_is_in_recovery() AS is_primary`);
      if (row.is_primary) throw new Refusal(`${target.name} is not a standby (NOT pg_is_in_recovery() is true)`);
      const old = oldPrimary as HostProbe | null;
      if (old && (old.role === 'primary' || old.role === 'fenced')) {
        // Fenced: its WAL ends here. The target is caught up once it has received all of it.
        const [{ lsn }] = await withSql(multi, old, (sql) => sql<{ lsn: string }[]>`SELECT pg_current_wal_lsn()::text AS lsn`);
        const end = lsnValue(lsn);
        const deadline = Date.now() + (o.catchUpTimeoutMs ?? 10_000);
        for (;;) {
          const view = await standbyView(multi, target.probe);
          if (view.received >= end) return `${target.name} is a standby and has received all of the fenced primary's WAL (${lsn})`;
          if (Date.now() > deadline) {
            if (o.force) {
              report.mayHaveLostCommits = true;
              return `FORCED: ${target.name} received ${view.receiveLsn} of ${lsn}; commits after that are lost`;
            }
            throw new Refusal(`${target.name} has received WAL up to ${view.receiveLsn} but the fenced primary's ends at ${lsn}: it would lose acknowledged commits (wait, or pass --force to accept the loss)`);
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      const verdict = syncVerdict(target, standbys);
      if (verdict.safe) return verdict.why;
      report.mayHaveLostCommits = true;
      if (!o.force) throw new Refusal(`${verdict.why}. Refusing to promote; pass --force to promote anyway and accept the loss`);
      return `FORCED: ${verdict.why}`;
    });

    await step('promote', async () => {
      const wait = o.promoteTimeoutSeconds ?? 30;
      const [row] = await withSql(multi, target.probe, (sql) => sql<{ promoted: boolean }[]>`SELECT pg_promote(true, ${wait}) AS promoted`);
      if (!row.promoted) throw new Error(`pg_promote on ${target.name} returned false: not promoted within ${wait} s`);
      return `${target.name} (${formatHost(target.probe)}) promoted`;
    });

    await step('reconfigure', async () => {
      const others = standbys.filter((s) => s !== target);
      const done: string[] = [];
      for (const s of others) {
        // Replication slots are not replicated: the new primary needs its own for each standby that uses one.
        if (s.slot) {
          await withSql(multi, target.probe, (sql) => sql`
            SELECT pg_create_physical_replication_slot(${s.slot})
             WHERE NOT EXISTS (SELECT 1 FROM pg_replication_slots WHERE slot_name = ${s.slot})`);
        }
        const conninfo = repointConninfo(s.conninfo, target.probe, s.name);
        await withSql(multi, s.probe, async (sql) => {
          await sql.unsafe(`ALTER SYSTEM SET primary_conninfo = ${quoteLiteral(conninfo)}`);
          await sql`SELECT pg_reload_conf()`;
        });
        done.push(`${s.name} now follows ${formatHost(target.probe)}`);
      }
      if (target.syncNames.length > 0) {
        const names = others.map((s) => s.name);
        const value = names.length > 0 ? `FIRST 1 (${names.map((n) => `"${n}"`).join(', ')})` : '';
        await withSql(multi, target.probe, async (sql) => {
          await sql.unsafe(`ALTER SYSTEM SET synchronous_standby_names = ${quoteLiteral(value)}`);
          await sql`SELECT pg_reload_conf()`;
        });
        done.push(
          names.length > 0
            ? `synchronous_standby_names = '${value}' on the new primary`
            : 'no standby left: synchronous replication switched off on the new primary (commits would otherwise wait forever); RPO is not 0 until a standby rejoins',
        );
      }
      return done.join('; ') || 'nothing to reconfigure (asynchronous, no other standby)';
    });

    await step('repoint-nodes', async () => {
      const now = choosePrimary(await probeHosts(multi, 2000));
      if (!now.primary || formatHost(now.primary) !== formatHost(target.probe)) {
        throw new Error(`after promotion the nodes' rule picks ${now.primary ? formatHost(now.primary) : 'no primary'} (${now.reason})`);
      }
      const done = [`nodes given every host will pick ${formatHost(target.probe)}: ${now.reason}`];
      if (o.repointCommand) {
        await sh(o.repointCommand, { env: { ...process.env, CONTINUUM_NEW_PRIMARY: formatHost(target.probe) }, timeout: 60_000 });
        done.push('repoint command ran');
      }
      return done.join('; ');
    });

    await step('verify-writes', async () => {
      // Bounded: in synchronous mode the commit waits for the repointed standby to connect.
      const at = await withTimeout(
        withSql(multi, target.probe, async (sql) => {
          await ensureHeartbeatTable(sql);
          return writeHeartbeat(sql);
        }),
        o.verifyTimeoutMs ?? 30_000,
        `no write committed on ${formatHost(target.probe)}`,
      );
      return `a write committed on ${formatHost(target.probe)} at ${new Date(at).toISOString()}`;
    });
    report.outcome = 'promoted';
  } catch (err) {
    report.outcome = err instanceof Refusal ? 'refused' : 'failed';
    report.reason = (err as Error).message;
  }
  report.totalMs = Math.round(performance.now() - started);
  return report;
}

/** Whether promoting `target` keeps every acknowledged commit when the old primary is gone. */
export function syncVerdict(target: StandbyView, standbys: StandbyView[]): { safe: boolean; why: string } {
  const names = target.syncNames;
  if (names.length === 0) {
    return { safe: true, why: `asynchronous replication: ${target.name} has WAL up to ${target.receiveLsn}; commits the old primary made after that are lost (bounded by the measured lag)` };
  }
  const listed = (s: StandbyView): boolean => names.includes('*') || names.includes(s.name);
  if (!listed(target)) {
    return { safe: false, why: `synchronous mode ('${target.syncNamesRaw}') and ${target.name} is not a synchronous standby: it may lack commits acknowledged to clients` };
  }
  const reachable = new Set(standbys.map((s) => s.name));
  const missing = names.filter((n) => n !== '*' && !reachable.has(n));
  if (missing.length > 0) {
    return { safe: false, why: `synchronous mode ('${target.syncNamesRaw}'): ${missing.join(', ')} did not answer and may have been the synchronous standby holding commits ${target.name} lacks` };
  }
  const ahead = standbys.filter((s) => s !== target && listed(s) && s.received > target.received);
  if (ahead.length > 0) {
    return { safe: false, why: `synchronous mode: ${ahead.map((s) => `${s.name} (${s.receiveLsn})`).join(', ')} received more WAL than ${target.name} (${target.receiveLsn}); promote it instead` };
  }
  return { safe: true, why: `synchronous mode ('${target.syncNamesRaw}'): ${target.name} is a synchronous standby and no other has received more (${target.receiveLsn}): it has every acknowledged commit` };
}

/** Names in synchronous_standby_names: 'FIRST 1 (a, b)', 'ANY 2 (a,b,c)', '2 (a, b)', 'a, b', '*'. */
export function parseSyncNames(value: string): string[] {
  const v = value.trim();
  if (v === '') return [];
  const inner = /\(([^)]*)\)/.exec(v)?.[1] ?? v;
  return inner
    .split(',')
    .map((s) => s.trim().replace(/^"(.*)"$/, '$1'))
    .filter(Boolean);
}

function pickTarget(standbys: StandbyView[], to: string | undefined): StandbyView {
  if (to) {
    const t = standbys.find((s) => s.name === to || formatHost(s.probe) === to);
    if (!t) throw new Refusal(`--to ${to}: no standby by that name or host:port answers (standbys: ${standbys.map((s) => `${s.name} ${formatHost(s.probe)}`).join(', ')})`);
    return t;
  }
  // Most advanced first; among equals, one named in synchronous_standby_names.
  return [...standbys].sort((a, b) => (b.received > a.received ? 1 : b.received < a.received ? -1 : Number(b.syncNames.includes(b.name)) - Number(a.syncNames.includes(a.name))))[0];
}

async function standbyView(multi: MultiHostUrl, p: HostProbe): Promise<StandbyView> {
  const [row] = await withSql(multi, p, (sql) => sql<{ receive: string | null; names: string; conninfo: string; slot: string }[]>`
    SELECT pg_last_wal_receive_lsn()::text AS receive,
           current_setting('synchronous_standby_names') AS names,
           current_setting('primary_conninfo') AS conninfo,
           current_setting('primary_slot_name') AS slot`);
  const name = /application_name=([^\s']+)/.exec(row.conninfo)?.[1] ?? formatHost(p);
  return { probe: p, name, receiveLsn: row.receive, received: row.receive ? lsnValue(row.receive) : 0n, syncNames: parseSyncNames(row.names), syncNamesRaw: row.names, conninfo: row.conninfo, slot: row.slot };
}

export function lsnValue(lsn: string): bigint {
  const [hi, lo] = lsn.split('/');
  return (BigInt(`0x${hi}`) << 32n) + BigInt(`0x${lo}`);
}

function repointConninfo(conninfo: string, to: PgHost, name: string): string {
  const kept = conninfo
    .split(/\s+/)
    .filter((kv) => kv && !/^(host|hostaddr|port|application_name)=/.test(kv));
  return [`host=${to.host}`, `port=${to.port}`, ...kept, `application_name=${name}`].join(' ');
}

function quoteLiteral(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

async function withSql<T>(multi: MultiHostUrl, h: PgHost, fn: (sql: postgres.Sql) => Promise<T>): Promise<T> {
  const sql = postgres(multi.forHost(h), { max: 1, connect_timeout: 3, onnotice: () => {}, connection: { application_name: 'continuum-failover' } });
  try {
    return await fn(sql);
  } finally {
    await sql.end({ timeout: 1 }).catch(() => undefined);
  }
}
