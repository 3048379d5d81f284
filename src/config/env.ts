/**
 * CONTINUUM_* environment variables. Each leaf key of the configuration has one variable: the key's
 * path in UPPER_SNAKE_CASE (sessions.idleTtl -> CONTINUUM_SESSIONS_IDLE_TTL). Lists take JSON or a
 * comma-separated string; mcp.tokens takes JSON ([{"token":"...","principal":"..."}]).
 */
export const ENV_KEYS: readonly string[] = [
  'host',
  'port',
  'store',
  'nodeId',
  'region',
  'server',
  'mcp.path',
  'mcp.allowedOrigins',
  'mcp.allowedHosts',
  'mcp.maxBodyBytes',
  'mcp.tokens',
  'sessions.idleTtl',
  'sessions.liveIdle',
  'sessions.maxLive',
  'sessions.durable',
  'events.retention',
  'log.level',
  'shutdownGrace',
  'api.maxBodyBytes',
  'incidents.journal',
  'incidents.mcpRole',
  'communications.product',
  'communications.statusPageUrl',
  'communications.postmortemUrl',
  'communications.publicUrl',
  'communications.templates',
  'communications.outbox.interval',
  'communications.outbox.timeout',
  'communications.outbox.giveUpAfter',
  'communications.outbox.spool',
  'cluster.heartbeat',
  'cluster.failAfter',
  'cluster.isolationCheck',
  'cluster.memberWindow',
  'cluster.leaseTtl',
  'cluster.partition.short',
  'cluster.partition.long',
  'cluster.partition.quorumBy',
  'statusPage.enabled',
  'statusPage.path',
  'statusPage.name',
  'statusPage.url',
  'statusPage.logo',
  'statusPage.timeZone',
  'statusPage.refreshEvery',
  'statusPage.maxAge',
  'maintenance.autoTransitions',
  'maintenance.interval',
  'maintenance.notices.enabled',
  'maintenance.notices.minNotice',
  'maintenance.notices.reminders',
  'database.rpoTarget',
  'database.heartbeat',
  'database.probeEvery',
  'database.failover.mode',
  'database.failover.confirmAfter',
  'database.failover.fenceCommand',
  'database.failover.repointCommand',
  'database.patroni.urls',
  'drills.reports',
  'drills.auto.experiment',
  'drills.auto.scale',
  'drills.auto.checkEvery',
  'drills.auto.timeout',
  'drills.schedule.chaos',
  'drills.schedule.drill',
  'drills.schedule.dr',
  'drills.schedule.tabletop',
];

const LIST_KEYS = new Set(['mcp.allowedOrigins', 'mcp.allowedHosts']);

export function envName(key: string): string {
  return 'CONTINUUM_' + key.replace(/\./g, '_').replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

function parseEnvValue(key: string, raw: string): unknown {
  if (key === 'mcp.tokens') {
    try {
      return JSON.parse(raw);
    } catch {
      throw new Error(`${envName(key)} must be JSON, e.g. [{"token":"...","principal":"alice"}]`);
    }
  }
  if (LIST_KEYS.has(key)) {
    const t = raw.trim();
    if (t.startsWith('[')) return JSON.parse(t);
    return t === '' ? [] : t.split(',').map((s) => s.trim());
  }
  if (key === 'sessions.durable') return !['0', 'false', 'no', 'off'].includes(raw.toLowerCase());
  return raw;
}

/** The configuration keys set by the environment, as a nested object. */
export function configFromEnv(env: NodeJS.ProcessEnv): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of ENV_KEYS) {
    const raw = env[envName(key)];
    if (raw === undefined) continue;
    setPath(out, key, parseEnvValue(key, raw));
  }
  return out;
}

export function setPath(target: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (typeof node[p] !== 'object' || node[p] === null) node[p] = {};
    node = node[p] as Record<string, unknown>;
  }
  node[parts[parts.length - 1]] = value;
}
