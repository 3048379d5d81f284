import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The node's Prometheus metrics, in a registry of its own (several nodes can share a process in tests). */
export class NodeMetrics {
  readonly registry = new Registry();
  readonly httpRequests = new Counter({
    name: 'continuum_http_requests_total',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [this.registry],
  });
  readonly sessionsCreated = new Counter({
    name: 'continuum_sessions_created_total',
    help: 'MCP sessions created (initialize committed)',
    registers: [this.registry],
  });
  readonly sessionsRestored = new Counter({
    name: 'continuum_sessions_restored_total',
    help: 'Sessions rebuilt from the store on this node (after a crash, eviction or on another node)',
    registers: [this.registry],
  });
  readonly liveSessions = new Gauge({
    name: 'continuum_live_sessions',
    help: 'Sessions holding a server instance in this process',
    registers: [this.registry],
  });
  readonly eventsCommitted = new Counter({
    name: 'continuum_events_committed_total',
    help: 'SSE events committed to the store',
    registers: [this.registry],
  });
  readonly eventCommitSeconds = new Histogram({
    name: 'continuum_event_commit_seconds',
    help: 'Time to commit one batch of SSE events',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly partitionDecisions = new Counter({
    name: 'continuum_partition_decisions_total',
    help: 'Partition policy decisions taken by this node (each change counts once)',
    labelNames: ['band', 'side', 'action'] as const,
    registers: [this.registry],
  });
  readonly leader = new Gauge({
    name: 'continuum_leader',
    help: '1 while this node holds the leader lease',
    registers: [this.registry],
  });
  readonly ready = new Gauge({
    name: 'continuum_ready',
    help: '1 when the node is ready (store answers, not draining)',
    registers: [this.registry],
  });

  constructor(labels: Record<string, string>) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'continuum_process_' });
  }
}
