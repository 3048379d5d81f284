/**
 * The control plane of one node: access (tokens, audit), incidents (service, detection, journal,
 * pager, timers), the admin REST API and the incident MCP tools, assembled over the node's store.
 * The node creates it after migrating the store, mounts `api` under /api, hands `mcp` to its MCP server,
 * calls `start()` once it listens and `stop()` before it closes the store.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve } from 'node:path';
import { AuditLog } from '../access/audit-log.js';
import { TokenService } from '../access/tokens.js';
import { createApi } from '../api/app.js';
import { BearerAuth } from '../api/auth.js';
import { accessRoutes } from '../api/routes/access.js';
import { detectionRoutes } from '../api/routes/detection.js';
import { incidentRoutes } from '../api/routes/incidents.js';
import { maintenanceRoutes } from '../api/routes/maintenance.js';
import { statusPageRoutes } from '../api/routes/status-page.js';
import { MaintenanceModule } from '../maintenance/index.js';
import { StatusPageService } from '../status-page/index.js';
import type { ContinuumConfig } from '../config/index.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { ClusterTargets } from '../incidents/cluster-targets.js';
import type { NodeTarget } from '../incidents/probes.js';
import { availabilityFrom, BurnRateProbe, latencyFrom } from '../incidents/objectives.js';
import { PartitionProbe } from '../incidents/partition-probe.js';
import { ReplicationLagProbe, type LagReading } from '../incidents/replication-probe.js';
import type { Decision as PartitionDecision } from '../cluster/partition.js';
import { Detector } from '../incidents/detector.js';
import { IncidentJournal } from '../incidents/journal.js';
import type { Pager } from '../incidents/pager.js';
import { Communications } from '../communications/index.js';
import type { MaintenanceNotices } from '../communications/maintenance-notices.js';
import { repeat } from '../core/repeat.js';
import { communicationsRoutes } from '../api/routes/communications.js';
import { ErrorRateProbe, NodeHealthProbe, ProbeRunner, StoreProbe, SyntheticMcpProbe, type Probe } from '../incidents/probes.js';
import { IncidentService } from '../incidents/service.js';
import { ResponseTeam } from '../incidents/team.js';
import { IncidentTimers } from '../incidents/timers.js';
import type { Logger } from '../log/index.js';
import type { NodeMetrics } from '../metrics/index.js';
import type { IncidentToolSource } from '../server/incident-tools.js';
import type { Store } from '../store/port.js';
import { VERSION } from '../version.js';

export interface ControlPlaneOptions {
  config: ContinuumConfig;
  store: Store;
  clock: Clock;
  random: Random;
  log: Logger;
  nodeId: string;
  metrics: NodeMetrics;
  /** This node's MCP endpoint, for the synthetic probe (known once the node listens). */
  mcpUrl: () => string;
  /** The cluster's current partition-policy decision (absent on a node without a cluster). */
  partition?: () => PartitionDecision | null;
  /** The database monitor's lag judgement (PostgreSQL with standbys; absent otherwise). */
  replicationLag?: () => LagReading | null;
  /** Replaces the pager (tests); by default communications' outbox pages. */
  pager?: Pager;
}

/** Where the journal lives by default: beside a SQLite store's file, else in ./.continuum. */
export function defaultJournalPath(config: ContinuumConfig): string {
  const name = `incident-journal${config.nodeId ? `-${config.nodeId}` : ''}.jsonl`;
  const sqlite = /^sqlite:(.+)$/.exec(config.store)?.[1];
  const dir = sqlite && sqlite !== ':memory:' ? dirname(resolve(sqlite)) : resolve('.continuum');
  return join(dir, name);
}

export class ControlPlane {
  readonly audit: AuditLog;
  readonly tokens: TokenService;
  readonly team: ResponseTeam;
  readonly incidents: IncidentService;
  readonly journal: IncidentJournal;
  readonly detector: Detector;
  readonly timers: IncidentTimers;
  readonly probes: ProbeRunner;
  readonly api: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  readonly mcp: IncidentToolSource;
  /** Scheduled maintenance windows (service and auto-transition loop). */
  readonly maintenance: MaintenanceModule;
  /** The public status page and its Statuspage v2 API; the node's router consults its handler. */
  readonly statusPage: StatusPageService;
  /** Templates, channels, the durable outbox and subscribers: the incident process's Pager. */
  readonly communications: Communications;
  private targets?: ClusterTargets;
  /** Announcements, reminders, start and completion notices of maintenance windows (communications). */
  readonly maintenanceNotices: MaintenanceNotices;
  private noticeLoop: { stop(): void } | null = null;

  constructor(private readonly o: ControlPlaneOptions) {
    const { config, store, clock, random, log, nodeId } = o;
    const ic = config.incidents;
    this.audit = new AuditLog(store.audit, clock);
    this.tokens = new TokenService(store.tokens, this.audit, clock, random);
    this.team = new ResponseTeam(ic.team);
    const journalPath = ic.journal ?? defaultJournalPath(config);
    this.communications = new Communications({
      config: config.communications,
      receivers: ic.paging.receivers,
      pagingTimeoutMs: ic.paging.timeout,
      store,
      clock,
      random,
      nodeId,
      log,
      spoolPath: config.communications.outbox.spool ?? `${journalPath.replace(/\.jsonl$/, '')}.outbox.jsonl`,
      baseUrl: () => new URL(o.mcpUrl()).origin,
      statusPage: { name: config.statusPage.name, path: config.statusPage.path },
    });
    const pager = o.pager ?? this.communications;
    this.incidents = new IncidentService({ events: store.controlEvents, audit: this.audit, team: this.team, pager, clock, random, config: ic, log });
    this.journal = new IncidentJournal(journalPath);
    this.detector = new Detector({ journal: this.journal, pager, service: this.incidents, rules: ic.rules, clock, random, nodeId, log });
    this.timers = new IncidentTimers(this.incidents, ic, clock, nodeId, log, this.team);
    this.probes = new ProbeRunner(this.buildProbes(), this.detector, clock, { reassertEveryMs: ic.detection.reassertEvery, log });
    this.maintenance = new MaintenanceModule({ config: config.maintenance, events: store.controlEvents, audit: this.audit, clock, random, log, nodeId });
    const notices = config.maintenance.notices;
    this.maintenanceNotices = this.communications.maintenanceNotices(
      { enabled: notices.enabled, minNoticeMs: notices.minNotice, remindersMs: notices.reminders },
      () => this.maintenance.service.list(),
      config.statusPage.timeZone,
    );
    this.statusPage = new StatusPageService({ config: config.statusPage, events: store.controlEvents, audit: this.audit, clock, log });
    // The page's subscribe form hands subscribers to communications (double opt-in for email).
    this.statusPage.setSubscribe((r) => this.communications.subscribers.subscribe(r));
    this.api = createApi({
      routes: [...incidentRoutes(this.incidents, this.team), ...maintenanceRoutes(this.maintenance.service, { minNoticeMs: config.maintenance.notices.minNotice }), ...statusPageRoutes(this.statusPage), ...detectionRoutes(this.detector, clock), ...accessRoutes(this.tokens, this.audit), ...communicationsRoutes(this.communications, this.incidents, this.audit, { get: (id) => this.maintenance.service.get(id), notices: this.maintenanceNotices, remindersMs: notices.reminders })],
      auth: new BearerAuth(this.tokens, clock),
      maxBodyBytes: config.api.maxBodyBytes,
      log,
      version: VERSION,
    });
    this.mcp = { service: this.incidents, role: ic.mcpRole };
  }

  /** Starts probes and timers (as configured); replays what the journal holds from before a restart. */
  start(): void {
    const ic = this.o.config.incidents;
    if (ic.detection.enabled) this.probes.start(ic.detection.interval);
    if (ic.timers.enabled) this.timers.start(ic.timers.interval);
    this.maintenance.start();
    if (this.o.config.maintenance.notices.enabled) {
      this.noticeLoop = repeat(this.o.config.maintenance.interval, () => this.maintenanceNotices.tick(), (err) => this.o.log.warn({ err }, 'maintenance notices failed; retried next interval'));
    }
    this.statusPage.start();
    this.communications.start();
    if (this.detector.pendingCount > 0) {
      this.detector.reconcile().catch((err: Error) => this.o.log.warn({ err }, 'journal replay failed; retried with the probes'));
    }
  }

  async stop(): Promise<void> {
    this.probes.stop();
    this.timers.stop();
    this.maintenance.stop();
    this.noticeLoop?.stop();
    this.statusPage.stop();
    await this.detector.idle();
    await this.incidents.settled();
    await this.communications.stop();
    this.journal.close();
  }

  /** The cluster's members as last read from the store (kept while it is down), with their URLs. */
  members(): NodeTarget[] {
    // Refreshed here too, so the list stays current when detection is off (the caller asks every round).
    void this.memberTargets.list();
    return this.memberTargets.lastKnown;
  }

  private get memberTargets(): ClusterTargets {
    const d = this.o.config.incidents.detection;
    this.targets ??= new ClusterTargets(this.o.store, d.nodes, d.forgetAfter, d.probeTimeout);
    return this.targets;
  }

  private buildProbes(): Probe[] {
    const { config, store, clock, metrics } = this.o;
    const d = config.incidents.detection;
    const probes: Probe[] = [];
    if (d.members) probes.push(new NodeHealthProbe(() => this.memberTargets.list(), d.probeTimeout));
    else if (d.nodes.length > 0) probes.push(new NodeHealthProbe(d.nodes, d.probeTimeout));
    if (d.store) probes.push(new StoreProbe(store, d.probeTimeout));
    if (d.synthetic.enabled) probes.push(new SyntheticMcpProbe(this.o.mcpUrl, d.probeTimeout, d.synthetic.every, clock, config.mcp.tokens[0]?.token));
    if (d.errorRate.enabled) probes.push(new ErrorRateProbe(metrics.registry, d.errorRate.threshold, d.errorRate.minRequests));
    const o = d.objectives;
    const windows = o.windows.map((w) => ({ longMs: w.long, shortMs: w.short, factor: w.factor }));
    if (o.availability.enabled) {
      const spec = { name: 'availability', target: o.availability.target, read: availabilityFrom(metrics.registry), describe: 'answered 5xx' };
      probes.push(new BurnRateProbe(spec, windows, o.minRequests, clock));
    }
    if (o.latency.enabled) {
      const spec = { name: 'latency', target: o.latency.target, read: latencyFrom(metrics.registry, o.latency.threshold / 1000), describe: `slower than ${o.latency.threshold} ms` };
      probes.push(new BurnRateProbe(spec, windows, o.minRequests, clock));
    }
    if (this.o.partition) probes.push(new PartitionProbe(this.o.partition, config.region));
    if (this.o.replicationLag) probes.push(new ReplicationLagProbe(this.o.replicationLag));
    return probes;
  }
}
