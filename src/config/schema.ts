import { z } from 'zod';
import { apiConfigSchema, incidentsConfigSchema } from '../incidents/config.js';
import { drillsConfigSchema } from '../drills/config.js';
import { durationSchema } from './duration.js';
import { communicationsConfigSchema } from '../communications/config.js';
import { statusPageConfigSchema } from '../status-page/config.js';
import { maintenanceConfigSchema } from '../maintenance/config.js';
import { databaseConfigSchema } from '../database/config.js';

const duration = durationSchema;

const port = z.coerce.number().int().min(0).max(65535);

const storeUrl = z
  .string()
  .refine((s) => /^(sqlite:|postgres(ql)?:\/\/)/.test(s), 'must start with sqlite: (e.g. sqlite:./.continuum/continuum.db) or postgres://');

const token = z.object({
  token: z.string().min(16, 'tokens must be at least 16 characters'),
  principal: z.string().min(1),
});

/** The whole configuration. Every key has a default so `continuum up` runs with none given. */
export const configSchema = z
  .object({
    host: z.string().min(1).default('127.0.0.1'),
    port: port.default(8080),
    store: storeUrl.default('sqlite:./.continuum/continuum.db'),
    nodeId: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)').optional(),
    region: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)').default('local'),
    /** Module exporting a factory that returns an McpServer (default export or `createServer`). */
    server: z.string().min(1).optional(),
    mcp: z
      .object({
        path: z.string().startsWith('/').default('/mcp'),
        /** Origins allowed besides loopback ones. "*" allows any (not recommended). */
        allowedOrigins: z.array(z.string()).default([]),
        /** Host header values allowed besides loopback ones when bound to loopback. */
        allowedHosts: z.array(z.string()).default([]),
        maxBodyBytes: z.coerce.number().int().positive().default(4 * 1024 * 1024),
        /** Bearer tokens for /mcp; empty means no authentication. */
        tokens: z.array(token).default([]),
      })
      .prefault({}),
    sessions: z
      .object({
        /** A session unused this long ends (its id then gets 404). */
        idleTtl: duration.prefault('24h'),
        /** An in-memory server instance unused this long is released; the session stays in the store. */
        liveIdle: duration.prefault('30s'),
        /** At most this many sessions hold an in-memory server instance at once. */
        maxLive: z.coerce.number().int().positive().default(10_000),
        /** Persist sessions and SSE events. Off only for measuring the cost of durability. */
        durable: z.boolean().default(true),
      })
      .prefault({}),
    events: z
      .object({
        /** SSE events older than this are pruned; a client resuming later misses them. */
        retention: duration.prefault('24h'),
      })
      .prefault({}),
    log: z
      .object({
        level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
      })
      .prefault({}),
    cluster: z
      .object({
        /** How often a node heartbeats into the store. */
        heartbeat: duration.prefault('500ms'),
        /** A node silent this long (by the store's clock) counts as down. */
        failAfter: duration.prefault('3s'),
        /** A node silent this long stops counting as a member (for quorum). */
        memberWindow: duration.prefault('5m'),
        /** The leader lease's time to live; a leader that cannot renew stops acting before it lapses. */
        leaseTtl: duration.prefault('6s'),
        /**
         * When this node's heartbeat fails, ask the peers (their /readyz) whether they reach the store; if
         * one does and a fresh connection of this node's own gets no answer, this node alone lost the store
         * and answers MCP requests 503 at once (the balancer retries them elsewhere) instead of holding
         * them on a dead link (PostgreSQL only). 0 turns it off; otherwise how long to wait for the peers.
         */
        isolationCheck: duration.prefault('500ms'),
        partition: z
          .object({
            /** Partitions shorter than this are ridden out (plan: 30 s). */
            short: duration.prefault('30s'),
            /** From this on the minority fails over (plan: 60 s); in between, quorum decides. */
            long: duration.prefault('60s'),
            quorumBy: z.enum(['nodes', 'regions']).default('nodes'),
          })
          .prefault({}),
      })
      .prefault({}),
    /** How long SIGTERM waits for in-flight requests before exiting. */
    shutdownGrace: duration.prefault('10s'),
    /** The admin REST API under /api (src/api). */
    api: apiConfigSchema.prefault({}),
    /** Incident response: team, detection, paging, timers (src/incidents/config.ts). */
    incidents: incidentsConfigSchema.prefault({}),
    /** Alert templates, channels, routing, the durable outbox, subscribers (src/communications/config.ts). */
    communications: communicationsConfigSchema.prefault({}),
    /** The public status page: path, components, branding (src/status-page/config.ts). */
    statusPage: statusPageConfigSchema.prefault({}),
    /** Scheduled maintenance windows: automatic start and completion (src/maintenance/config.ts). */
    maintenance: maintenanceConfigSchema.prefault({}),
    /** Database continuity: replication status, RPO target, failover mode (src/database/config.ts). */
    database: databaseConfigSchema.prefault({}),
    /** Drills: the plan's test schedule and where reports go (src/drills/config.ts). */
    drills: drillsConfigSchema.prefault({}),
  })
  .strict();

export type ContinuumConfig = z.output<typeof configSchema>;
export type ContinuumConfigInput = z.input<typeof configSchema>;
