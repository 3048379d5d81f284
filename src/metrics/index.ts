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
  /** The latency objective's source (src/incidents/objectives.ts): its threshold should be a bucket bound. */
  readonly mcpRequestSeconds = new Histogram({
    name: 'continuum_mcp_request_duration_seconds',
    help: 'Time to answer a POST on the MCP endpoint (to the end of its response, streams included)',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly taskWorkStopped = new Counter({
    name: 'continuum_task_work_stopped_total',
    help: 'Task work running on this node stopped before it finished, by reason (cancelled here or on another node)',
    labelNames: ['reason'] as const,
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

  /** Database continuity (src/database/monitor.ts): PostgreSQL stores only. */
  readonly dbPrimaryReachable = new Gauge({
    name: 'continuum_db_primary_reachable',
    help: '1 while a writable primary answers this node',
    registers: [this.registry],
  });
  readonly dbReplicationLagBytes = new Gauge({
    name: 'continuum_db_replication_lag_bytes',
    help: 'WAL the primary has that each standby has not flushed',
    labelNames: ['standby', 'sync_state'] as const,
    registers: [this.registry],
  });
  readonly dbReplicationLagSeconds = new Gauge({
    name: 'continuum_db_replication_lag_seconds',
    help: 'Seconds of commits each standby lacks (heartbeat-based)',
    labelNames: ['standby', 'sync_state'] as const,
    registers: [this.registry],
  });
  readonly dbRpoEstimateSeconds = new Gauge({
    name: 'continuum_db_rpo_estimate_seconds',
    help: 'Acknowledged commits a failover now would lose, in seconds (0 with a streaming synchronous standby; -1 when no standby streams)',
    registers: [this.registry],
  });

  constructor(labels: Record<string, string>) {
    this.registry.setDefaultLabels(labels);
    collectDefaultMetrics({ register: this.registry, prefix: 'continuum_process_' });
  }
}
