/**
 * The `incidents` configuration: response team, detection rules and probes, paging receivers, timers.
 * Validated with the rest of the configuration (src/config/schema.ts), so a bad team reference stops
 * `continuum up` with the key named. Defaults carry the plan's structure (roles, teams, severities)
 * but no people: contacts are data (examples/incident-response/continuum.yaml has the plan's samples).
 */
import { z } from 'zod';
import { durationSchema } from '../config/duration.js';
import { ESCALATION_LEVELS, SEVERITIES } from './model.js';

type EscalationLevel = (typeof ESCALATION_LEVELS)[number]['key'];

const duration = durationSchema;

const key = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, 'lower-case letters, digits and -');
const severity = z.enum(SEVERITIES);

const person = z
  .object({
    name: z.string().min(1),
    phone: z.string().min(1).optional(),
    email: z.string().email().optional(),
    slack: z.string().min(1).optional(),
  })
  .strict();

/** Who is on call: members take turns of `every`, counted from `start`. */
const rotation = z
  .object({
    members: z.array(z.string().min(1)).min(1),
    start: z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
    every: duration,
  })
  .strict()
  .refine((r) => r.every > 0, { message: 'every must be longer than 0', path: ['every'] });

const role = z
  .object({
    title: z.string().min(1),
    responsibilities: z.string().default(''),
    /** A fixed person, or the one on call in the rotation. */
    assignee: z.string().min(1).optional(),
    rotation: rotation.optional(),
  })
  .strict();

const extendedTeam = z
  .object({
    title: z.string().min(1),
    responsibilities: z.string().default(''),
    /** The team's shared address (mail, channel, phone). */
    contact: z.string().min(1).optional(),
    assignee: z.string().min(1).optional(),
    rotation: rotation.optional(),
  })
  .strict();

const PLAN_ROLES = {
  'incident-commander': { title: 'Incident Commander', responsibilities: 'Overall coordination, communication, decision making' },
  'technical-lead': { title: 'Technical Lead', responsibilities: 'Technical troubleshooting, system recovery' },
  'sre-manager': { title: 'SRE Manager', responsibilities: 'Monitoring, metrics analysis, automation' },
  'dba-lead': { title: 'DBA Lead', responsibilities: 'Database failover, data integrity' },
  'network-engineer': { title: 'Network Engineer', responsibilities: 'Network troubleshooting, connectivity' },
};

const PLAN_TEAMS = {
  'cloud-operations': { title: 'Cloud Operations', responsibilities: 'Infrastructure management' },
  security: { title: 'Security Team', responsibilities: 'Security incident response' },
  communications: { title: 'Communications', responsibilities: 'External communications' },
  legal: { title: 'Legal', responsibilities: 'Legal and compliance' },
};

/** The plan's entries with the configured ones merged over them; a new entry needs a title. */
function withPlanDefaults<T extends { title?: string; responsibilities: string }>(
  plan: Record<string, { title: string; responsibilities: string }>,
  given: Record<string, T>,
  ctx: z.RefinementCtx,
): Record<string, T & { title: string }> {
  const out: Record<string, T & { title: string }> = {};
  for (const k of new Set([...Object.keys(plan), ...Object.keys(given)])) {
    const merged = { ...plan[k], ...given[k] } as T & { title?: string };
    if (!merged.title) ctx.addIssue({ code: 'custom', path: [k, 'title'], message: `"${k}" is not one of the plan's; give it a title` });
    if (given[k] && !given[k].responsibilities && plan[k]) merged.responsibilities = plan[k].responsibilities;
    out[k] = merged as T & { title: string };
  }
  return out;
}

const ALL_CORE = Object.keys(PLAN_ROLES);
const DEFAULT_ASSIGNMENTS = {
  P0: [...ALL_CORE, 'communications'],
  P1: [...ALL_CORE, 'communications'],
  P2: ['incident-commander', 'technical-lead', 'sre-manager'],
  P3: ['technical-lead'],
};

const team = z
  .object({
    people: z.record(key, person).default({}),
    /** Merged over the plan's roles: configure people and rotations for them, or add roles. */
    roles: z.record(key, role.partial({ title: true })).default({}).transform((r, ctx) => withPlanDefaults(PLAN_ROLES, r, ctx)),
    /** Merged over the plan's extended teams. */
    extendedTeams: z
      .record(key, extendedTeam.partial({ title: true }))
      .default({})
      .transform((r, ctx) => withPlanDefaults(PLAN_TEAMS, r, ctx)),
    /** Who each escalation level pages (people keys), lowest level first: engineering-team,
     * engineering-management, senior-engineering, executive-leadership. An escalation page carries the
     * contacts of its level. */
    escalation: z.partialRecord(z.enum(ESCALATION_LEVELS.map((l) => l.key) as [EscalationLevel, ...EscalationLevel[]]), z.array(z.string().min(1)).min(1)).default({}),
    /** Roles and teams assigned when an incident of each severity is declared. */
    assignments: z
      .object({
        P0: z.array(key).default(DEFAULT_ASSIGNMENTS.P0),
        P1: z.array(key).default(DEFAULT_ASSIGNMENTS.P1),
        P2: z.array(key).default(DEFAULT_ASSIGNMENTS.P2),
        P3: z.array(key).default(DEFAULT_ASSIGNMENTS.P3),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  // A transform, not a refinement: it runs only once the fields above are valid (and merged over the
  // plan), so a bad role does not also report every assignment that names a plan role.
  .transform((t, ctx) => {
    const checkPerson = (who: string | undefined, path: (string | number)[]) => {
      if (who !== undefined && !(who in t.people)) {
        ctx.addIssue({ code: 'custom', path, message: `"${who}" is not in incidents.team.people (add them there with a name and contact)` });
      }
    };
    for (const [group, entries] of [['roles', t.roles], ['extendedTeams', t.extendedTeams]] as const) {
      for (const [k, r] of Object.entries(entries)) {
        checkPerson(r.assignee, [group, k, 'assignee']);
        r.rotation?.members.forEach((m, i) => checkPerson(m, [group, k, 'rotation', 'members', i]));
      }
    }
    for (const [level, people] of Object.entries(t.escalation)) people.forEach((who, i) => checkPerson(who, ['escalation', level, i]));
    for (const [sev, list] of Object.entries(t.assignments)) {
      list.forEach((r, i) => {
        if (!(r in t.roles) && !(r in t.extendedTeams)) {
          ctx.addIssue({ code: 'custom', path: ['assignments', sev, i], message: `"${r}" is neither a role nor an extended team` });
        }
      });
    }
    return t;
  });

/** First matching rule wins. A rule matches a signal of its kind whose labels include all of its labels. */
const rule = z
  .object({
    kind: z.string().min(1),
    labels: z.record(z.string(), z.string()).default({}),
    severity,
    /** Incident title; {summary} and {key} are filled in from the signal. */
    title: z.string().min(1).optional(),
  })
  .strict();

export const DEFAULT_RULES = [
  { kind: 'all-nodes-down', severity: 'P0', title: 'Every node is down' },
  { kind: 'region-down', severity: 'P1', title: 'Region down: {summary}' },
  { kind: 'store-unreachable', severity: 'P1', title: 'Store unreachable: {summary}' },
  { kind: 'partition', labels: { band: 'long' }, severity: 'P1', title: 'Network partition, failing over: {summary}' },
  { kind: 'partition', severity: 'P2', title: 'Network partition: {summary}' },
  { kind: 'replication-lag', severity: 'P2', title: 'Replication lag above the RPO target: {summary}' },
  { kind: 'slo-burn', severity: 'P2', title: 'Objective burning: {summary}' },
  { kind: 'synthetic-failed', severity: 'P2', title: 'Synthetic MCP transaction failing: {summary}' },
  { kind: 'component-down', severity: 'P3', title: 'Component down: {summary}' },
  { kind: 'alert', labels: { severity: 'critical' }, severity: 'P1' },
  { kind: 'alert', labels: { severity: 'warning' }, severity: 'P2' },
  { kind: 'alert', severity: 'P3' },
] as const;

const receiver = z.discriminatedUnion('type', [
  z
    .object({
      type: z.literal('pagerduty'),
      name: z.string().min(1),
      /** Events API v2 endpoint. */
      url: z.url().default('https://events.pagerduty.com/v2/enqueue'),
      routingKey: z.string().min(1),
    })
    .strict(),
  z
    .object({
      type: z.literal('webhook'),
      name: z.string().min(1),
      url: z.url(),
      headers: z.record(z.string(), z.string()).default({}),
    })
    .strict(),
]);

const nodeTarget = z.object({ id: z.string().min(1), region: z.string().min(1), url: z.url() }).strict();

export const incidentsConfigSchema = z
  .object({
    /** Local journal (JSON lines) for signals and pages while the store is down. Default: next to a
     * SQLite store's file, else ./.continuum/. */
    journal: z.string().min(1).optional(),
    team: team.prefault({}),
    rules: z.array(rule).default(DEFAULT_RULES.map((r) => ({ labels: {}, ...r })) as never),
    paging: z.object({ receivers: z.array(receiver).default([]), timeout: duration.prefault('5s') }).strict().prefault({}),
    detection: z
      .object({
        enabled: z.boolean().default(true),
        /** Probe round period. Fault to page is at most this plus probeTimeout (the goal: 5 s). */
        interval: duration.prefault('1s'),
        probeTimeout: duration.prefault('2s'),
        /** A failure still failing is signalled again this often (the incident timeline counts it). */
        reassertEvery: duration.prefault('30m'),
        /** Nodes whose /healthz the node-health probe checks (peers, and this node if wanted). */
        nodes: z.array(nodeTarget).default([]),
        /** Also watch every node registered in the store (the cluster's members). */
        members: z.boolean().default(true),
        /** A member silent this long is no longer watched (a crashed node that never came back). */
        forgetAfter: duration.prefault('15m'),
        store: z.boolean().default(true),
        synthetic: z.object({ enabled: z.boolean().default(true), every: duration.prefault('60s') }).strict().prefault({}),
        /** Error-budget burn-rate alerting on the node's own availability and latency (src/incidents/objectives.ts). */
        objectives: z
          .object({
            availability: z.object({ enabled: z.boolean().default(true), target: z.number().gt(0).lt(1).default(0.999) }).strict().prefault({}),
            latency: z
              .object({ enabled: z.boolean().default(true), threshold: duration.prefault('1s'), target: z.number().gt(0).lt(1).default(0.99) })
              .strict()
              .prefault({}),
            /** Both windows of a pair must burn faster than factor. */
            windows: z
              .array(z.object({ long: duration, short: duration, factor: z.number().positive() }).strict())
              .min(1)
              .default([
                { long: 3_600_000, short: 300_000, factor: 14.4 },
                { long: 21_600_000, short: 1_800_000, factor: 6 },
              ]),
            /** Quiet below this many requests in the short window. */
            minRequests: z.number().int().positive().default(20),
          })
          .strict()
          .prefault({}),
        errorRate: z
          .object({
            enabled: z.boolean().default(true),
            /** Share of requests answered 5xx in one interval above which the objective is burning. */
            threshold: z.number().min(0).max(1).default(0.05),
            minRequests: z.number().int().positive().default(20),
          })
          .strict()
          .prefault({}),
      })
      .strict()
      .prefault({}),
    timers: z.object({ enabled: z.boolean().default(true), interval: duration.prefault('15s') }).strict().prefault({}),
    cadence: z.object({ majorIncident: duration.prefault('15m'), afterFailover: duration.prefault('4h') }).strict().prefault({}),
    /** The debrief is due this long after resolution (the plan: within 24 hours). */
    debriefWithin: duration.prefault('24h').refine((ms) => ms <= 24 * 3_600_000, 'the plan asks for a debrief within 24h'),
    /** Role of callers of the incident MCP tools on /mcp. viewer: read only. Protect /mcp with mcp.tokens
     * before raising it. */
    mcpRole: z.enum(['viewer', 'responder', 'admin']).default('viewer'),
  })
  .strict();

export const apiConfigSchema = z
  .object({
    /** Largest request body the admin API reads. */
    maxBodyBytes: z.coerce.number().int().positive().default(1024 * 1024),
  })
  .strict();

export type IncidentsConfig = z.output<typeof incidentsConfigSchema>;
export type TeamConfig = IncidentsConfig['team'];
export type RuleConfig = IncidentsConfig['rules'][number];
export type ReceiverConfig = IncidentsConfig['paging']['receivers'][number];
export type ApiConfig = z.output<typeof apiConfigSchema>;
