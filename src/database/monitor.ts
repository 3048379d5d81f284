/**
 * Each node's view of the PostgreSQL tier: every probeEvery it asks each host what it is (so
 * readiness can say "no primary" and the automatic failover can count votes), reads the replication
 * status on the primary (metrics, the lag signal), and, while this node is the leader, writes the
 * heartbeat row that keeps lag measurable when nothing else is written.
 */
import type { Logger } from 'pino';
import postgres from 'postgres';
import { repeat } from '../core/repeat.js';
import { withTimeout } from '../core/timeout.js';
import type { NodeMetrics } from '../metrics/index.js';
import { choosePrimary, formatHost, parseMultiHostUrl, probeHosts, tierState, type HostProbe, type MultiHostUrl, type PgHost } from '../store/postgres/topology.js';
import type { DatabaseConfig } from './config.js';
import { ensureHeartbeatTable, writeHeartbeat } from './heartbeat.js';
import { lagSignal, readReplicationStatus, type ReplicationStatus } from './replication.js';

export interface DatabaseView {
  /** primary: one answers; no-primary: every host answered and none is a writable primary; unknown: some host is silent. */
  state: 'primary' | 'no-primary' | 'unknown' | 'starting';
  primary: string | null;
  reason: string;
  probes: HostProbe[];
  replication: ReplicationStatus | null;
  /** The lag signal against the RPO target. */
  lag: { firing: boolean; summary: string } | null;
  /** When the tier last stopped having a primary (ms, local clock), or null while it has one. */
  noPrimarySince: number | null;
  at: number;
}

export interface DatabaseMonitorOptions {
  /** The store's postgres:// URL (one or several hosts). */
  url: string;
  config: DatabaseConfig;
  log: Logger;
  /** Whether this node writes the heartbeat (the leader; true when alone). */
  isLeader: () => boolean;
  metrics?: NodeMetrics;
  onView?: (view: DatabaseView) => void;
  now?: () => number;
}

export class DatabaseMonitor {
  view: DatabaseView = { state: 'starting', primary: null, reason: 'not probed yet', probes: [], replication: null, lag: null, noPrimarySince: null, at: 0 };
  private readonly multi: MultiHostUrl;
  private readonly conns = new Map<string, postgres.Sql>();
  private loop?: { stop(): void };
  private heartbeatLoop?: { stop(): void };
  private tableReady = new Set<string>();
  private readonly now: () => number;

  constructor(private readonly o: DatabaseMonitorOptions) {
    this.multi = parseMultiHostUrl(o.url);
    this.now = o.now ?? (() => Date.now());
  }

  start(): void {
    const warn = (what: string) => (err: Error) => this.o.log.debug({ err: err.message }, what);
    this.loop = repeat(this.o.config.probeEvery, () => this.tick(), warn('database probe failed'));
    this.heartbeatLoop = repeat(this.o.config.heartbeat, () => this.beat(), warn('replication heartbeat failed'));
    void this.tick().catch(warn('database probe failed'));
  }

  async stop(): Promise<void> {
    this.loop?.stop();
    this.heartbeatLoop?.stop();
    await Promise.all([...this.conns.values()].map((s) => s.end({ timeout: 0 }).catch(() => undefined)));
    this.conns.clear();
  }

  /** One probe of every host, and the replication status when a primary answers. */
  async tick(): Promise<DatabaseView> {
    // A fresh connection per probe: a kept one would back off its reconnects after a failure (postgres.js:
    // up to 20 s), and a refused connection must say "down" at once.
    const probes = await probeHosts(this.multi, Math.min(2000, Math.max(300, this.o.config.probeEvery)));
    const { primary, reason } = choosePrimary(probes);
    const state = tierState(probes);
    let replication: ReplicationStatus | null = null;
    if (primary) {
      const standbyConns: Record<string, postgres.Sql> = {};
      for (const p of probes.filter((x) => x.role === 'standby')) standbyConns[await this.nameOf(p)] = this.conn(p);
      replication = await withTimeout(readReplicationStatus(this.conn(primary), standbyConns), 3000).catch(() => null);
    }
    const prev = this.view;
    const noPrimarySince = state === 'primary' ? null : (prev.noPrimarySince ?? this.now());
    const lag = primary ? lagSignal(replication, this.o.config.rpoTarget / 1000) : null;
    this.view = { state, primary: primary ? formatHost(primary) : null, reason, probes, replication, lag, noPrimarySince, at: this.now() };
    if (prev.state !== state) this.o.log.warn({ state, reason }, `database: ${state === 'primary' ? 'primary found' : state === 'no-primary' ? 'no primary answers' : 'hosts silent'}`);
    this.publish();
    this.o.onView?.(this.view);
    return this.view;
  }

  private publish(): void {
    const m = this.o.metrics;
    if (!m) return;
    m.dbPrimaryReachable.set(this.view.state === 'primary' ? 1 : 0);
    m.dbReplicationLagBytes.reset();
    m.dbReplicationLagSeconds.reset();
    const r = this.view.replication;
    for (const s of r?.standbys ?? []) {
      m.dbReplicationLagBytes.set({ standby: s.name, sync_state: s.syncState }, s.lagBytes);
      m.dbReplicationLagSeconds.set({ standby: s.name, sync_state: s.syncState }, s.lagSeconds);
    }
    m.dbRpoEstimateSeconds.set(r ? (r.rpoEstimateSeconds ?? -1) : -1);
  }

  private async beat(): Promise<void> {
    if (!this.o.isLeader() || !this.view.primary) return;
    const p = this.view.probes.find((x) => formatHost(x) === this.view.primary)!;
    // Its own connection: a commit waiting for a synchronous standby must not hold up the probes.
    const sql = this.conn(p, 'heartbeat');
    const key = formatHost(p);
    if (!this.tableReady.has(key)) {
      await withTimeout(ensureHeartbeatTable(sql), 5000);
      this.tableReady.add(key);
    }
    // Bounded: in synchronous mode with no standby a commit waits; the next beat tries again.
    await withTimeout(writeHeartbeat(sql), Math.max(1000, this.o.config.heartbeat * 3));
  }

  private async nameOf(p: HostProbe): Promise<string> {
    try {
      const [row] = await withTimeout(this.conn(p)<{ c: string }[]>`SELECT current_setting('primary_conninfo') AS c`, 1000);
      return /application_name=([^\s']+)/.exec(row.c)?.[1] ?? formatHost(p);
    } catch {
      return formatHost(p);
    }
  }

  private conn(p: PgHost, purpose: 'status' | 'heartbeat' = 'status'): postgres.Sql {
    const key = `${purpose} ${formatHost(p)}`;
    let sql = this.conns.get(key);
    if (!sql) {
      // fetch_types off: no array types are needed here, and postgres.js's unawaited type fetch on every
      // new connection is what can reject unhandled when a server dies (store/postgres/floating-rejections.ts).
      sql = postgres(this.multi.forHost(p), { max: 1, connect_timeout: 2, idle_timeout: 30, fetch_types: false, onnotice: () => {}, connection: { application_name: 'continuum-monitor' } });
      this.conns.set(key, sql);
    }
    return sql;
  }
}
