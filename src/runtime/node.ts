import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ContinuumConfig } from '../config/index.js';
import { systemClock, type Clock } from '../core/clock.js';
import { withTimeout } from '../core/timeout.js';
import { cryptoRandom, randomId, type Random } from '../core/random.js';
import { createLogger, type Logger } from '../log/index.js';
import { NodeMetrics } from '../metrics/index.js';
import { createContinuumServer, type ContinuityStatus } from '../server/index.js';
import { openStore } from '../store/index.js';
import { MemoryStore } from '../store/memory/index.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';
import { createRouter } from './http/router.js';
import { isLoopbackBind, TokenAuth } from './http/security.js';
import { LegacyHttpHandler } from './legacy/http-handler.js';
import type { ServerFactory } from './legacy/server-factory.js';
import { SessionEngine } from './legacy/session-engine.js';
import { createModernHandler, isV2Server } from './modern/index.js';
import { InMemoryServerEventBus, type ServerEventBus } from '@modelcontextprotocol/server';
import { StoreServerEventBus } from '../cluster/server-event-bus.js';
import { createNotifier, deliverToSessions, type Notifier } from './notify.js';
import { Cluster } from '../cluster/index.js';
import { ControlPlane } from '../control/plane.js';
import { TaskManager, taskOwnerId } from './tasks/manager.js';
import { TASK_OWNER_STATE, TaskSweeper } from './tasks/sweeper.js';
import { AutoFailover } from '../database/auto-failover.js';
import { DatabaseMonitor } from '../database/monitor.js';
import { DrillScheduler } from '../drills/scheduler/index.js';

export interface NodeOptions {
  config: ContinuumConfig;
  /** The MCP server to serve; Continuum's own server when absent. */
  factory?: ServerFactory;
  clock?: Clock;
  random?: Random;
  log?: Logger;
  /** An already open store (tests); otherwise opened from config.store. */
  store?: Store;
}

/** Reconnect hint given to clients when a draining node closes their streams. */
const DRAIN_RETRY_MS = 250;

/** One Continuum node: store, session engine, HTTP surface, metrics and graceful shutdown. */
export class ContinuumNode {
  readonly nodeId: string;
  readonly region: string;
  readonly log: Logger;
  readonly metrics: NodeMetrics;
  private draining = false;
  private stopped?: Promise<void>;
  private resolveClosed!: () => void;
  private readonly closedPromise = new Promise<void>((resolve) => (this.resolveClosed = resolve));
  private readonly startedAt: number;
  private httpServer!: HttpServer;
  private engine!: SessionEngine;
  private listening?: AddressInfo;
  private modern?: ReturnType<typeof createModernHandler>;
  private durableStore!: Store;
  /** Publish list changes and resource updates to clients of both protocol eras. */
  notify!: Notifier;
  private events!: ServerEventBus;
  private stopDelivering?: () => void;
  /** This node's membership, leader lease and partition policy (absent when sessions are not durable). */
  cluster?: Cluster;
  /** Incidents, detection, API tokens, the audit log and the admin API (/api). */
  control!: ControlPlane;
  private taskSweeper?: TaskSweeper;
  private tasks!: TaskManager;
  /** PostgreSQL stores: which host is the primary, replication lag, the heartbeat row (src/database). */
  database?: DatabaseMonitor;
  /** Scheduled chaos drills (drills.auto), run by the leader. */
  private drills?: DrillScheduler;
  /** Owner of the tasks this process runs (node id + process token), published with heartbeats. */
  private taskOwner!: string;

  private constructor(
    private readonly o: NodeOptions,
    private readonly clock: Clock,
  ) {
    const c = o.config;
    this.nodeId = c.nodeId ?? `node-${randomId(o.random ?? cryptoRandom, 6)}`;
    this.region = c.region;
    this.log = o.log ?? createLogger(c.log.level, { node: this.nodeId, region: this.region });
    this.metrics = new NodeMetrics({ node: this.nodeId, region: this.region });
    this.startedAt = clock.now();
  }

  static async start(o: NodeOptions): Promise<ContinuumNode> {
    const node = new ContinuumNode(o, o.clock ?? systemClock);
    await node.init();
    return node;
  }

  get url(): string {
    // Remembered from listen: the server has no address once it closed, and a probe round or a message
    // rendered during shutdown still asks for the URL.
    const a = (this.httpServer.address() as AddressInfo | null) ?? this.listening!;
    const host = a.family === 'IPv6' ? `[${a.address}]` : a.address;
    return `http://${host}:${a.port}${this.o.config.mcp.path}`;
  }

  get port(): number {
    return ((this.httpServer.address() as AddressInfo | null) ?? this.listening!).port;
  }

  get sessionEngine(): SessionEngine {
    return this.engine;
  }

  private async init(): Promise<void> {
    const c = this.o.config;
    const random = this.o.random ?? cryptoRandom;
    this.durableStore = this.o.store ?? (await openStore(c.store, { clock: this.clock }));
    await this.durableStore.migrate();
    this.control = new ControlPlane({ config: c, store: this.durableStore, clock: this.clock, random, log: this.log, nodeId: this.nodeId, metrics: this.metrics, mcpUrl: () => this.url, partition: () => this.cluster?.decision ?? null, replicationLag: () => this.database?.view.lag ?? null });
    const sessionStore = c.sessions.durable ? this.durableStore : new MemoryStore(this.clock);
    this.taskOwner = taskOwnerId(this.nodeId, random);
    const factory: ServerFactory = this.o.factory ?? (() => createContinuumServer({ status: () => this.status(), incidents: this.control.mcp }));

    this.tasks = new TaskManager({
      tasks: sessionStore.tasks,
      clock: this.clock,
      random,
      ownerId: this.taskOwner,
      log: this.log,
      bus: c.sessions.durable ? this.durableStore.bus : undefined,
      onWorkStopped: (reason) => this.metrics.taskWorkStopped.inc({ reason }),
    });
    this.engine = new SessionEngine({
      store: sessionStore,
      factory,
      clock: this.clock,
      random,
      nodeId: this.nodeId,
      log: this.log,
      idleTtlMs: c.sessions.idleTtl,
      liveIdleMs: c.sessions.liveIdle,
      maxLive: c.sessions.maxLive,
      retentionMs: c.events.retention,
      onEventsCommitted: (n, s) => {
        this.metrics.eventsCommitted.inc(n);
        this.metrics.eventCommitSeconds.observe(s);
      },
      useBus: c.sessions.durable,
      // Expiry and retention sweeps are singleton work: the leader runs them (every node when alone).
      runsSweeps: () => this.cluster?.leader.isLeader ?? true,
      onSessionCreated: () => this.metrics.sessionsCreated.inc(),
      onSessionRestored: () => this.metrics.sessionsRestored.inc(),
      tasks: this.tasks,
    });
    await this.tasks.start();
    this.engine.start();
    await this.engine.listen();

    // Only SDK v2 servers speak 2026-07-28; a v1 server is served to 2025-era clients only.
    const probe = await factory({ era: 'modern' });
    const v2 = isV2Server(probe);
    await probe.close();
    const onerror = (err: Error) => this.log.debug({ err }, 'modern handler error');
    // Change events ride the store's bus, so a change published on any node reaches every node's clients.
    this.events = c.sessions.durable ? new StoreServerEventBus(this.durableStore.bus, this.nodeId, onerror) : new InMemoryServerEventBus(onerror);
    if (this.events instanceof StoreServerEventBus) await this.events.start();
    this.stopDelivering = deliverToSessions(this.engine, this.events);
    if (v2) this.modern = createModernHandler(factory, { maxBodyBytes: c.mcp.maxBodyBytes, bus: this.events, onerror });
    this.notify = createNotifier(this.events);

    const router = createRouter({
      mcpPath: c.mcp.path,
      maxBodyBytes: c.mcp.maxBodyBytes,
      origin: { allowedOrigins: c.mcp.allowedOrigins, allowedHosts: c.mcp.allowedHosts, loopbackBind: isLoopbackBind(c.host) },
      auth: new TokenAuth(c.mcp.tokens),
      legacy: new LegacyHttpHandler(
        this.engine,
        random,
        () => {
          const action = this.cluster?.decision.action;
          return action !== 'stop-new-work' && action !== 'failover';
        },
        // The cluster starts after the router: its isolation is looked up per request.
        () => this.cluster?.isolation ?? null,
      ),
      modern: async (req, res, body) => {
        if (this.modern) return this.modern.serve(req, res, body);
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Bad Request: this server (SDK v1) speaks protocol revisions up to 2025-11-25 only' } }));
      },
      health: () => ({ node: this.nodeId, region: this.region, version: VERSION }),
      readiness: () => this.readiness(),
      metrics: async () => {
        this.metrics.liveSessions.set(this.engine.live.size);
        this.metrics.leader.set(this.cluster?.leader.isLeader ? 1 : 0);
        return { contentType: this.metrics.registry.contentType, body: await this.metrics.registry.metrics() };
      },
      api: this.control.api,
      page: this.control.statusPage.handler,
      isDraining: () => this.draining,
      isIsolated: () => this.cluster?.isolation?.isolated ?? false,
      onResponse: (route, method, status, seconds) => {
        this.metrics.httpRequests.inc({ route, method, status: String(status) });
        // Requests only: a GET on /mcp is a stream that lasts as long as the client listens.
        if (route === 'mcp' && method === 'POST') this.metrics.mcpRequestSeconds.observe(seconds);
        // While draining, a connection is closed as soon as its last response is written.
        if (this.draining) setImmediate(() => this.httpServer.closeIdleConnections());
      },
      log: this.log,
    });

    this.httpServer = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
      // While draining, a connection is closed as soon as its last response is written.
      void router(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      this.httpServer.once('error', reject);
      this.httpServer.listen(c.port, c.host, () => resolve());
    });
    this.listening = this.httpServer.address() as AddressInfo;
    if (c.sessions.durable) {
      this.cluster = new Cluster({
        store: this.durableStore,
        nodeId: this.nodeId,
        region: this.region,
        url: this.url,
        log: this.log,
        heartbeatMs: c.cluster.heartbeat,
        failAfterMs: c.cluster.failAfter,
        memberWindowMs: c.cluster.memberWindow,
        leaseTtlMs: c.cluster.leaseTtl,
        thresholds: { shortMs: c.cluster.partition.short, longMs: c.cluster.partition.long, quorumBy: c.cluster.partition.quorumBy },
        state: () => ({ draining: this.draining, live: this.engine.live.size, [TASK_OWNER_STATE]: this.taskOwner }),
        onDecision: (d) => this.metrics.partitionDecisions.inc({ band: d.band, side: d.side, action: d.action }),
        onDrainRequested: () => {
          this.log.info('drain requested by an operator');
          void this.stop();
        },
        bootId: randomId(this.o.random ?? cryptoRandom),
        // A shared SQLite file has no link of one node's own to lose: a failed heartbeat there is lock
        // contention, which peers that got the lock must not mistake for isolation.
        isolationCheck: c.cluster.isolationCheck > 0 && this.durableStore.kind === 'postgres' ? { timeoutMs: c.cluster.isolationCheck } : null,
        onPeersLost: (ids) => this.engine.resync(`lost ${ids.join(', ')}`),
      });
      await this.cluster.start();
    }
    // Tasks of dead nodes are failed, and expired tasks deleted, by the leader (by every node when alone).
    this.taskSweeper = new TaskSweeper({
      store: sessionStore,
      clock: this.clock,
      ownerId: this.taskOwner,
      log: this.log,
      isLeader: () => this.cluster?.leader.isLeader ?? true,
      failAfterMs: c.sessions.durable ? c.cluster.failAfter : undefined,
      everyMs: Math.min(1000, Math.max(100, Math.floor(c.cluster.failAfter / 3))),
    });
    this.taskSweeper.start();
    // With several database hosts (or a failover mode set), watch which one is primary; with one host and
    // no failover mode, the store's heartbeat already says whether it answers.
    if (this.durableStore.kind === 'postgres' && (c.store.split('@').pop()!.split('/')[0].includes(',') || c.database.failover.mode !== 'manual')) {
      // Plain streaming replication with failover.mode auto: the leader, once a quorum of nodes agrees
      // the primary is gone (the partition policy's rule), runs the failover runbook itself.
      const auto =
        c.database.failover.mode === 'auto'
          ? new AutoFailover({
              url: c.store,
              config: c.database,
              self: { id: this.nodeId, region: this.region },
              isLeader: () => this.cluster?.leader.isLeader ?? true,
              view: () => this.database!.view,
              probe: () => this.database!.tick(),
              members: () => this.control.members(),
              quorumBy: c.cluster.partition.quorumBy,
              log: this.log,
              onStep: (step) => this.log.warn({ step }, 'automatic database failover: step'),
              onReport: (report) => this.log.warn({ report }, 'automatic database failover: done'),
            })
          : null;
      this.database = new DatabaseMonitor({
        url: c.store,
        config: c.database,
        log: this.log,
        isLeader: () => this.cluster?.leader.isLeader ?? true,
        metrics: this.metrics,
        onView: auto ? (view) => void auto.observe(view).catch((err: Error) => this.log.error({ err }, 'automatic database failover failed')) : undefined,
      });
      this.database.start();
    }
    this.control.start();
    if (c.drills.auto.experiment) {
      this.drills = new DrillScheduler({ config: c.drills, store: this.durableStore, clock: this.clock, nodeId: this.nodeId, isLeader: () => this.cluster?.leader.isLeader ?? true, log: this.log });
      this.drills.start();
    }
    this.log.info({ url: this.url, store: this.durableStore.description, durable: c.sessions.durable }, 'continuum node up');
  }

  /**
   * Ready = not draining, the store answers, and the partition policy does not have this node fail over.
   * In a cluster the store's answer is the last heartbeat's (taken every cluster.heartbeat), so a health
   * check costs no store round trip and a busy store cannot make a balancer flap; and during a partition
   * shorter than the policy's first threshold the node stays ready (the plan: ride short partitions out).
   */
  async readiness(): Promise<{ ready: boolean; checks: Record<string, unknown> }> {
    let store = 'ok';
    if (this.cluster) {
      if (!this.cluster.membership.lastBeatOk) store = 'unreachable: the last heartbeat failed';
    } else {
      try {
        await withTimeout(this.durableStore.ping(), 2000);
      } catch (err) {
        store = `unreachable: ${(err as Error).message}`;
      }
    }
    const partition = this.cluster?.decision;
    const storeOk = store === 'ok' || partition?.band === 'short';
    // A database with no primary (a failover needed or under way) is reported (checks.database: the
    // incident detector and automatic failover read it) but leaves the node ready: every node shares that
    // database, so a balancer would take them all out at once and answer 503 to everyone, where a node
    // holds requests in the store's retry budget and completes them once the new primary answers.
    const db = this.database?.view;
    const ready = storeOk && !this.draining && partition?.action !== 'failover';
    this.metrics.ready.set(ready ? 1 : 0);
    return {
      ready,
      checks: {
        node: this.nodeId,
        store,
        draining: this.draining,
        partition: partition ? { band: partition.band, side: partition.side, action: partition.action } : null,
        // How fresh `store: ok` is: a peer that cannot reach the store trusts only an answer newer than its failure.
        ...(this.cluster?.membership.lastOkAt != null ? { storeOkAgoMs: Math.round(performance.now() - this.cluster.membership.lastOkAt) } : {}),
        isolated: this.cluster?.isolation?.isolated ?? false,
        ...(db ? { database: { state: db.state, primary: db.primary, reason: db.reason } } : {}),
      },
    };
  }

  async status(): Promise<ContinuityStatus> {
    let reachable = true;
    let error: string | undefined;
    let stored: number | null = null;
    try {
      stored = await withTimeout(this.engineStoreCount(), 2000);
    } catch (err) {
      reachable = false;
      error = (err as Error).message;
    }
    return {
      node: {
        id: this.nodeId,
        region: this.region,
        startedAt: new Date(this.startedAt).toISOString(),
        uptimeSeconds: Math.round((this.clock.now() - this.startedAt) / 1000),
        draining: this.draining,
        version: VERSION,
      },
      store: { kind: this.durableStore.kind, description: this.durableStore.description, reachable, ...(error ? { error } : {}) },
      sessions: { live: this.engine.live.size, stored, createdHere: this.engine.created, restoredHere: this.engine.restored },
    };
  }

  private engineStoreCount(): Promise<number> {
    return (this.o.config.sessions.durable ? this.durableStore : null)?.sessions.countSessions() ?? Promise.resolve(this.engine.live.size);
  }

  /**
   * Graceful stop: not ready at once, new MCP requests get 503 (a balancer retries them elsewhere),
   * open streams end with a reconnect hint, in-flight requests finish within the grace period.
   */
  stop(): Promise<void> {
    this.stopped ??= this.shutdown();
    return this.stopped;
  }

  /** Resolves once the node has stopped, whoever stopped it (a signal, an operator's drain). */
  get closed(): Promise<void> {
    return this.closedPromise;
  }

  private async shutdown(): Promise<void> {
    this.draining = true;
    this.log.info('draining');
    this.engine.detachAll(DRAIN_RETRY_MS);
    // Live status page streams never end by themselves: end them so the server can close.
    this.control.statusPage.stop();
    this.taskSweeper?.stop();
    await this.drills?.stop();
    await this.database?.stop();
    await this.cluster?.stop(true);
    const closed = new Promise<void>((resolve) => this.httpServer.close(() => resolve()));
    this.httpServer.closeIdleConnections();
    const grace = setTimeout(() => this.httpServer.closeAllConnections(), this.o.config.shutdownGrace);
    grace.unref();
    await closed;
    clearTimeout(grace);
    await this.modern?.close();
    this.stopDelivering?.();
    if (this.events instanceof StoreServerEventBus) await this.events.stop();
    await this.engine.close();
    await this.tasks?.stop();
    await this.control.stop();
    if (!this.o.store) await this.durableStore.close();
    this.log.info('stopped');
    this.resolveClosed();
  }
}

