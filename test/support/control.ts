import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ContinuumConfigInput } from '../../src/config/index.js';
import { ManualClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { ControlPlane } from '../../src/control/plane.js';
import { createLogger } from '../../src/log/index.js';
import { NodeMetrics } from '../../src/metrics/index.js';
import type { Store } from '../../src/store/port.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

export const T0 = Date.parse('2025-06-02T09:00:00Z');
export const MINUTE = 60_000;
export const SILENT = createLogger('silent');

/** A team with one person per plan role, so assignments are visible in tests. */
export const TEAM = {
  people: {
    ic: { name: 'Ivy Commander', phone: '+1-555-0100' },
    tl: { name: 'Tom Lead', email: 'tom@example.test' },
    tl2: { name: 'Tia Lead' },
    sre: { name: 'Sam Sre' },
    dba: { name: 'Dee Dba' },
    net: { name: 'Ned Net' },
  },
  roles: {
    'incident-commander': { assignee: 'ic' },
    'technical-lead': { rotation: { members: ['tl', 'tl2'], start: '2025-06-02T00:00:00Z', every: '7d' } },
    'sre-manager': { assignee: 'sre' },
    'dba-lead': { assignee: 'dba' },
    'network-engineer': { assignee: 'net' },
  },
  extendedTeams: { communications: { contact: 'comms@example.test' } },
  escalation: { 'executive-leadership': ['ic'], 'senior-engineering': ['tl', 'sre'] },
};

/**
 * The control plane over a store, without an HTTP server: probes and timers are driven by the test
 * (runOnce, tick) under a manual clock. `store` defaults to a fresh SQLite file.
 */
export async function startControl(opts: { config?: ContinuumConfigInput; store?: Store; clock?: ManualClock; nodeId?: string } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-control-'));
  const clock = opts.clock ?? new ManualClock(T0);
  const store = opts.store ?? new SqliteStore(join(dir, 'c.db'), { clock });
  await store.migrate();
  const config = parseConfig({
    store: 'sqlite::memory:',
    ...opts.config,
    incidents: {
      journal: join(dir, 'journal.jsonl'),
      team: TEAM,
      ...(opts.config?.incidents ?? {}),
      detection: { synthetic: { enabled: false }, errorRate: { enabled: false }, ...(opts.config?.incidents?.detection ?? {}) },
    },
  } as ContinuumConfigInput);
  const nodeId = opts.nodeId ?? 'node-a';
  const control = new ControlPlane({ config, store, clock, random: cryptoRandom, log: SILENT, nodeId, metrics: new NodeMetrics({ node: nodeId }), mcpUrl: () => 'http://127.0.0.1:1/mcp' });
  return {
    control,
    store,
    clock,
    dir,
    config,
    async close() {
      await control.stop();
      if (!opts.store) await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const receivers = (r: { pagerDuty: string; webhook: string }) => [
  { type: 'pagerduty' as const, name: 'pd', url: r.pagerDuty, routingKey: 'rk-secret-0123' },
  { type: 'webhook' as const, name: 'hook', url: r.webhook },
];

export const admin = { id: 'cli:test', role: 'admin' as const };
export const responder = { id: 'token:resp', role: 'responder' as const };
