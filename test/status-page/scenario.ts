/**
 * A node with a branded status page and a scenario that walks it through every state the page shows:
 * operational (with 90 days of history), maintenance scheduled and in progress, degraded, partial and
 * major outage, monitoring, resolved, post-mortem published, an operator override. The API and browser
 * tests both run it.
 */
import type { Clock } from '../../src/core/clock.js';
import type { ComponentStatus, Indicator } from '../../src/status-page/model.js';
import { startApiNode } from '../support/api.js';

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** Real time, shifted by `offset` (the scenario writes history in the past, then comes back to now). */
export class ShiftedClock implements Clock {
  offset = 0;
  now(): number {
    return Date.now() + this.offset;
  }
}

export const PAGE_CONFIG = {
  name: 'Acme MCP',
  timeZone: 'Europe/Berlin',
  refreshEvery: '200ms',
  colours: { brand: '#5b2a86' },
  groups: [{ id: 'platform', name: 'MCP platform', description: 'What MCP clients connect to' }],
  components: [
    { id: 'gateway', name: 'MCP gateway', group: 'platform', description: 'Streamable HTTP endpoint' },
    { id: 'sessions', name: 'Session store', group: 'platform' },
    { id: 'api', name: 'Admin API' },
    { id: 'docs', name: 'Documentation' },
  ],
};

export type StatusNode = Awaited<ReturnType<typeof startStatusNode>>;

/** `extra` goes into statusPage, or (with `topLevel`) into the node's configuration. */
export async function startStatusNode(extra: Record<string, unknown> = {}, topLevel = false) {
  const clock = new ShiftedClock();
  const page = topLevel ? PAGE_CONFIG : { ...PAGE_CONFIG, ...extra };
  const n = await startApiNode({ clock, config: { ...(topLevel ? extra : {}), statusPage: page, maintenance: { autoTransitions: false } } as never });
  return { ...n, clock, page: n.node.control.statusPage };
}

export interface State {
  name: string;
  indicator: Indicator;
  description: RegExp;
  components: Partial<Record<string, ComponentStatus>>;
  /** Text the page shows in this state. */
  shows: RegExp[];
}

const responder = { id: 'token:responder', role: 'responder' as const };

/** Writes 90 days of history: two past incidents, resolved. */
export async function writeHistory(n: StatusNode): Promise<void> {
  const s = n.node.control.incidents;
  n.clock.offset = -30 * DAY;
  const a = await s.declare({ title: 'Session store failover', severity: 'P1', components: ['sessions'], impact: 'New sessions failed in one region' }, responder);
  n.clock.offset += 2 * HOUR;
  await s.resolve(a.id, 'The standby was promoted; sessions resumed.', responder);
  n.clock.offset = -6 * DAY;
  const b = await s.declare({ title: 'Gateway outage', severity: 'P0', components: ['gateway'], impact: 'All MCP requests failed' }, responder);
  n.clock.offset += 40 * 60_000;
  await s.resolve(b.id, 'Rolled back the release.', responder);
  n.clock.offset = 0;
}

/** The states, in order; `apply` moves the node from the previous state to this one. */
export function states(n: StatusNode): (State & { apply(): Promise<void> })[] {
  const s = n.node.control.incidents;
  const m = n.node.control.maintenance.service;
  const ids: Record<string, string> = {};
  return [
    {
      name: 'operational',
      indicator: 'none',
      description: /All Systems Operational/,
      components: { gateway: 'operational', sessions: 'operational', api: 'operational', docs: 'operational' },
      shows: [/All Systems Operational/, /Gateway outage/],
      apply: async () => undefined,
    },
    {
      name: 'maintenance-scheduled',
      indicator: 'none',
      description: /All Systems Operational/,
      components: { docs: 'operational' },
      shows: [/Scheduled maintenance/, /Documentation site move/],
      apply: async () => {
        const w = await m.schedule({ title: 'Documentation site move', body: 'The docs move to a new host; links keep working.', components: ['docs'], scheduledFor: n.clock.now() + 3 * DAY, scheduledUntil: n.clock.now() + 3 * DAY + 2 * HOUR }, responder);
        ids.maintenance = w.id;
      },
    },
    {
      name: 'under-maintenance',
      indicator: 'none',
      description: /Service Under Maintenance/,
      components: { docs: 'under_maintenance' },
      shows: [/Maintenance in progress/, /Under maintenance/],
      apply: async () => void (await m.transition(ids.maintenance, 'in_progress', 'The move has started.', responder)),
    },
    {
      name: 'degraded',
      indicator: 'minor',
      description: /Minor Service Outage/,
      components: { api: 'degraded_performance', docs: 'operational' },
      shows: [/Slow admin API/, /Degraded performance/],
      apply: async () => {
        await m.transition(ids.maintenance, 'completed', undefined, responder);
        ids.api = (await s.declare({ title: 'Slow admin API', severity: 'P2', components: ['api'], impact: 'Requests take several seconds' }, responder)).id;
      },
    },
    {
      name: 'partial',
      indicator: 'major',
      description: /Partial System Outage/,
      components: { api: 'partial_outage' },
      shows: [/Partial outage/, /Some requests to the admin API fail/],
      apply: async () => void (await s.update(ids.api, { severity: 'P1', status: 'identified', message: 'Some requests to the admin API fail; we found the cause.', external: true }, responder)),
    },
    {
      name: 'major',
      indicator: 'critical',
      description: /Major System Outage/,
      components: { gateway: 'major_outage', api: 'partial_outage' },
      shows: [/MCP gateway unreachable/, /Major outage/],
      apply: async () => {
        ids.gateway = (await s.declare({ title: 'MCP gateway unreachable', severity: 'P0', components: ['gateway'], impact: 'No MCP client can connect' }, responder)).id;
      },
    },
    {
      name: 'monitoring',
      indicator: 'critical',
      description: /Major System Outage/,
      components: { gateway: 'degraded_performance' },
      shows: [/Monitoring/, /traffic is flowing again/],
      apply: async () => void (await s.update(ids.gateway, { status: 'monitoring', message: 'A fix is out and traffic is flowing again.', external: true }, responder)),
    },
    {
      name: 'resolved',
      indicator: 'none',
      description: /All Systems Operational/,
      components: { gateway: 'operational', api: 'operational' },
      shows: [/All Systems Operational/, /MCP gateway unreachable/],
      apply: async () => {
        await s.resolve(ids.gateway, 'Resolved: the gateway is healthy.', responder);
        await s.resolve(ids.api, undefined, responder);
      },
    },
    {
      name: 'postmortem',
      indicator: 'none',
      description: /All Systems Operational/,
      components: {},
      shows: [/Post-mortem published/],
      apply: async () =>
        void (await s.update(ids.gateway, { status: 'postmortem', message: 'Root cause: a certificate expired on the gateway. We now renew certificates 30 days ahead.', external: true }, responder)),
    },
    {
      name: 'override',
      indicator: 'major',
      description: /Partial System Outage/,
      components: { sessions: 'partial_outage' },
      shows: [/Status set by an operator/, /Replica rebuild in progress/],
      apply: async () => void (await n.page.overrides.set('sessions', 'partial_outage', 'Replica rebuild in progress', responder)),
    },
  ];
}

export { DAY, HOUR };
