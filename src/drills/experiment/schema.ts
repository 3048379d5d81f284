/**
 * The drill experiment format (docs/drills.md): Chaos Toolkit's shape (title, description,
 * steady-state-hypothesis with tolerances, method of actions and probes with pauses, rollbacks), plus
 * what a continuity drill needs on top: the target (the local harness topology or an existing
 * deployment), the MCP load to drive, and the success criteria with the plan's target and our goal.
 */
import { z } from 'zod';
import { durationSchema } from '../../config/duration.js';
import { METRICS } from './metrics.js';

const duration = durationSchema;
const name = z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, 'letters, digits, . _ - (at most 64)');

/** What each built-in (harness) function takes; checked per func so errors name the argument. */
export const CONTINUUM_FUNCS = {
  // Faults on nodes (real signals).
  'kill-node': z.object({ node: name, signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGINT']).default('SIGKILL') }).strict(),
  'kill-region': z.object({ region: name, signal: z.enum(['SIGKILL', 'SIGTERM', 'SIGINT']).default('SIGKILL') }).strict(),
  'pause-node': z.object({ node: name }).strict(),
  'resume-node': z.object({ node: name }).strict(),
  'restart-node': z.object({ node: name }).strict(),
  'restart-region': z.object({ region: name }).strict(),
  // Network cuts (a fault-injecting proxy on every link): `store` is a node's link to the database,
  // `clients` the balancer's link to the node.
  'cut-region': z.object({ region: name, links: z.array(z.enum(['store', 'clients'])).min(1).default(['store']) }).strict(),
  'heal-region': z.object({ region: name }).strict(),
  'cut-node': z.object({ node: name, links: z.array(z.enum(['store', 'clients'])).min(1).default(['store']) }).strict(),
  'heal-node': z.object({ node: name }).strict(),
  // Database faults (the harness's PostgreSQL primary and standby).
  'kill-database-primary': z.object({ signal: z.enum(['SIGKILL', 'SIGTERM']).default('SIGKILL') }).strict(),
  'promote-standby': z.object({}).strict(),
  'corrupt-database-file': z.object({ bytes: z.number().int().min(1).max(65536).default(512) }).strict(),
  'recover-database': z.object({}).strict(),
  // Waits.
  'wait-ready': z.object({ timeout: duration.prefault('60s') }).strict(),
  // Probes: values measured by the load generator over a trailing window, or read from the topology.
  'error-rate': z.object({ window: duration.prefault('5s') }).strict(),
  'requests-per-second': z.object({ window: duration.prefault('5s') }).strict(),
  'latency-p99': z.object({ window: duration.prefault('5s') }).strict(),
  'ready-nodes': z.object({}).strict(),
  'sessions-lost': z.object({}).strict(),
  'partition-decisions': z.object({ node: name }).strict(),
} as const;

export type ContinuumFunc = keyof typeof CONTINUUM_FUNCS;

/** Functions that inject a fault: the instant they run is where failover and recovery are measured from. */
export const FAULT_FUNCS: ReadonlySet<string> = new Set([
  'kill-node',
  'kill-region',
  'pause-node',
  'cut-region',
  'cut-node',
  'kill-database-primary',
  'corrupt-database-file',
]);

/** Functions that need the local harness (an existing deployment uses process or http providers). */
export const LOCAL_ONLY: ReadonlySet<string> = new Set(
  Object.keys(CONTINUUM_FUNCS).filter((f) => !['error-rate', 'requests-per-second', 'latency-p99', 'sessions-lost'].includes(f)),
);

const continuumProvider = z
  .object({
    type: z.literal('continuum'),
    func: z.enum(Object.keys(CONTINUUM_FUNCS) as [ContinuumFunc, ...ContinuumFunc[]]),
    arguments: z.record(z.string(), z.unknown()).default({}),
  })
  .strict()
  .transform((p, ctx) => {
    const parsed = CONTINUUM_FUNCS[p.func].safeParse(p.arguments);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) ctx.addIssue({ code: 'custom', message: issue.message, path: ['arguments', ...issue.path.map(String)] });
      return z.NEVER;
    }
    return { type: 'continuum' as const, func: p.func, arguments: parsed.data as Record<string, unknown> };
  });

/** Chaos Toolkit's process provider: a command run without a shell; its exit code is the probe's value. */
const processProvider = z
  .object({
    type: z.literal('process'),
    path: z.string().min(1),
    arguments: z.union([z.string(), z.array(z.string())]).optional(),
    env: z.record(z.string(), z.string()).optional(),
    timeout: duration.prefault('60s'),
  })
  .strict();

/** Chaos Toolkit's http provider: a hook on the deployment; its status code is the probe's value. */
const httpProvider = z
  .object({
    type: z.literal('http'),
    url: z.string().url(),
    method: z.enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']).default('GET'),
    headers: z.record(z.string(), z.string()).optional(),
    body: z.unknown().optional(),
    timeout: duration.prefault('30s'),
  })
  .strict();

export const providerSchema = z.discriminatedUnion('type', [continuumProvider, processProvider, httpProvider]);
export type Provider = z.output<typeof providerSchema>;

const scalar = z.union([z.boolean(), z.number(), z.string()]);

/** Chaos Toolkit's tolerances: an exact value, a list of accepted values, a range, or a regex. */
export const toleranceSchema = z.union([
  scalar,
  z.array(scalar).min(1),
  z.object({ type: z.literal('range'), range: z.tuple([z.number(), z.number()]) }).strict(),
  z
    .object({ type: z.literal('regex'), pattern: z.string() })
    .strict()
    .refine((t) => isRegex(t.pattern), { message: 'not a valid regular expression', path: ['pattern'] }),
]);
export type Tolerance = z.output<typeof toleranceSchema>;

function isRegex(p: string): boolean {
  try {
    new RegExp(p);
    return true;
  } catch {
    return false;
  }
}

const pauses = z.object({ before: duration.optional(), after: duration.optional() }).strict();

const activity = z
  .object({
    type: z.enum(['action', 'probe']),
    name: z.string().min(1).max(200),
    provider: providerSchema,
    pauses: pauses.optional(),
    /** Run without waiting for it (Chaos Toolkit's `background`). */
    background: z.boolean().default(false),
    /** Marks the activity as the fault injection (default: the continuum functions that inject one). */
    fault: z.boolean().optional(),
    /** A probe in the method may carry a tolerance; a miss is recorded as a deviation. */
    tolerance: toleranceSchema.optional(),
  })
  .strict();
export type Activity = z.output<typeof activity>;

const probe = activity.safeExtend({ type: z.literal('probe'), tolerance: toleranceSchema });

const comparison = z.string().transform((s, ctx) => {
  const m = /^\s*(<=|>=|<|>|==)\s*(-?\d+(?:\.\d+)?)\s*$/.exec(s);
  if (!m) {
    ctx.addIssue({ code: 'custom', message: `"${s}" is not a comparison (use e.g. "< 5000", "<= 1000", "== 0")` });
    return z.NEVER;
  }
  return { op: m[1] as '<' | '<=' | '>' | '>=' | '==', value: Number(m[2]), text: `${m[1]} ${m[2]}` };
});
export type Comparison = z.output<typeof comparison>;

const criterion = z
  .object({
    name: z.string().min(1).max(200),
    metric: z.enum(METRICS),
    /** The continuity plan's target (the floor). */
    plan: comparison.optional(),
    /** Our stricter goal; a drill passes a criterion when this (or, with --against plan, the plan's) holds. */
    goal: comparison.optional(),
  })
  .strict()
  .refine((c) => c.plan || c.goal, { message: 'a criterion needs a plan target, a goal, or both' });
export type Criterion = z.output<typeof criterion>;

const region = z.object({ name, nodes: z.number().int().min(1).max(8) }).strict();

/** The local harness: regions of node processes, a store, fault proxies on every link, a balancer. */
const localTarget = z
  .object({
    regions: z.array(region).min(1).max(6),
    /** sqlite: one file the nodes share (no store links to cut); postgres: a throwaway database on the
     * server named by --postgres; postgres-replicated: a private primary and standby (database scenarios). */
    store: z.enum(['sqlite', 'postgres', 'postgres-replicated']).default('sqlite'),
    /** The partition policy's bands (cluster.partition.short/long), scaled with --scale. */
    partition: z.object({ short: duration.prefault('30s'), long: duration.prefault('60s') }).strict().prefault({}),
    /** The balancer in front: HAProxy (as deploy/haproxy configures it), the built-in round-robin one of
     * `continuum up --nodes`, or auto: HAProxy when installed. */
    balancer: z.enum(['auto', 'haproxy', 'local']).default('auto'),
    /** Extra CONTINUUM_* variables for every node. */
    env: z.record(z.string().regex(/^CONTINUUM_[A-Z0-9_]+$/, 'only CONTINUUM_* variables'), z.string()).default({}),
  })
  .strict()
  .superRefine((t, ctx) => {
    const seen = new Set<string>();
    for (const [i, r] of t.regions.entries()) {
      if (seen.has(r.name)) ctx.addIssue({ code: 'custom', message: `region ${r.name} is listed twice`, path: ['regions', i, 'name'] });
      seen.add(r.name);
    }
    const total = t.regions.reduce((n, r) => n + r.nodes, 0);
    if (total > 12) ctx.addIssue({ code: 'custom', message: `at most 12 nodes in all (got ${total})`, path: ['regions'] });
  });
export type LocalTargetSpec = z.output<typeof localTarget>;

/** An existing deployment: its MCP URL; faults come from process or http providers. */
const remoteTarget = z.object({ url: z.string().url(), headers: z.record(z.string(), z.string()).default({}) }).strict();

const load = z
  .object({
    /** 2025-era sessions held open for the whole drill (each with its GET stream). */
    sessions: z.number().int().min(1).max(20_000).default(100),
    /** Fraction of those sessions that subscribe to a resource (checked for delivery at the end). */
    subscribed: z.number().min(0).max(1).default(0.25),
    /** Concurrent request loops. */
    workers: z.number().int().min(1).max(1000).default(20),
    /** Fraction of requests made as 2026-era stateless requests. */
    modern: z.number().min(0).max(1).default(0.2),
    /** New sessions created per second during the drill (acknowledged writes, checked at the end). */
    newSessionsPerSecond: z.number().min(0).max(1000).default(2),
    /** A request not answered within this counts as failed (and is retried). */
    requestTimeout: duration.prefault('10s'),
    /** Load before the steady-state hypothesis is first checked. */
    warmup: duration.prefault('5s'),
    /** Load after the rollbacks, before verification. */
    settle: duration.prefault('5s'),
  })
  .strict()
  .prefault({});
export type LoadSpec = z.output<typeof load>;

export const experimentSchema = z
  .object({
    version: z.literal(1).default(1),
    title: z.string().min(1).max(200),
    description: z.string().max(10_000).default(''),
    tags: z.array(z.string().min(1).max(64)).max(32).default([]),
    /** Which of the plan's test types this is (its schedule counts drills by type). */
    kind: z.enum(['chaos', 'drill', 'dr']).default('drill'),
    target: z.union([z.object({ local: localTarget }).strict(), z.object({ deployment: remoteTarget }).strict()]),
    load,
    criteria: z.array(criterion).max(50).default([]),
    'steady-state-hypothesis': z.object({ title: z.string().min(1).max(200), probes: z.array(probe).max(50).default([]) }).strict().optional(),
    method: z.array(activity).min(1).max(200),
    rollbacks: z.array(activity).max(200).default([]),
  })
  .strict()
  .superRefine((e, ctx) => {
    if ('deployment' in e.target) {
      const lists = [['method', e.method], ['rollbacks', e.rollbacks], ['steady-state-hypothesis', e['steady-state-hypothesis']?.probes ?? []]] as const;
      for (const [key, list] of lists) {
        for (const [i, a] of list.entries()) {
          if (a.provider.type === 'continuum' && LOCAL_ONLY.has(a.provider.func)) {
            ctx.addIssue({ code: 'custom', message: `${a.provider.func} needs the local harness; against a deployment use a process or http provider`, path: [key, i, 'provider', 'func'] });
          }
        }
      }
      return;
    }
    const local = e.target.local;
    const nodes = new Set<string>();
    const regions = new Set(local.regions.map((r) => r.name));
    let n = 0;
    for (const r of local.regions) for (let i = 0; i < r.nodes; i++) nodes.add(`node-${++n}`);
    const check = (key: string, list: Activity[]) => {
      for (const [i, a] of list.entries()) {
        if (a.provider.type !== 'continuum') continue;
        const args = a.provider.arguments;
        if (typeof args.node === 'string' && !nodes.has(args.node)) {
          ctx.addIssue({ code: 'custom', message: `no node ${args.node} in the target (nodes: ${[...nodes].join(', ')})`, path: [key, i, 'provider', 'arguments', 'node'] });
        }
        if (typeof args.region === 'string' && !regions.has(args.region)) {
          ctx.addIssue({ code: 'custom', message: `no region ${args.region} in the target (regions: ${[...regions].join(', ')})`, path: [key, i, 'provider', 'arguments', 'region'] });
        }
        if (a.provider.func.includes('database') || a.provider.func === 'promote-standby') {
          if (local.store !== 'postgres-replicated') {
            ctx.addIssue({ code: 'custom', message: `${a.provider.func} needs target.local.store: postgres-replicated`, path: [key, i, 'provider', 'func'] });
          }
        }
        if (a.provider.func.startsWith('cut-') && local.store !== 'postgres' && (args.links as string[]).includes('store')) {
          ctx.addIssue({ code: 'custom', message: `a store link can be cut only with target.local.store: postgres (a fault proxy on each node's link); not with ${local.store}`, path: [key, i, 'provider', 'arguments', 'links'] });
        }
      }
    };
    check('method', e.method);
    check('rollbacks', e.rollbacks);
    check('steady-state-hypothesis', e['steady-state-hypothesis']?.probes ?? []);
  });

export type Experiment = z.output<typeof experimentSchema>;
export type ExperimentInput = z.input<typeof experimentSchema>;
