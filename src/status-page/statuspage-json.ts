/**
 * The Statuspage v2 public JSON (summary, status, components, incidents, scheduled maintenances) with its
 * field names and enums, so tools and agents that read Atlassian Statuspage read this page unchanged.
 * Two additions a Statuspage reader ignores: `freshness` (how old the data is, and whether the store
 * answered the last read) and `postmortem_body` on incidents with a published post-mortem.
 */
import { createHash } from 'node:crypto';
import type { Maintenance, MaintenanceStatus } from '../maintenance/model.js';
import { IMPACT_OF, type ComponentStatus } from './model.js';
import type { PublicIncident } from './projection.js';
import type { ComponentView, StatusView } from './view.js';
import type { StatusPageConfig } from './config.js';

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

export interface JsonContext {
  view: StatusView;
  config: StatusPageConfig;
  /** The page's absolute base URL, ending in /. */
  base: string;
}

export function pageId(config: StatusPageConfig): string {
  return createHash('sha256').update(config.name).digest('hex').slice(0, 12);
}

function page(x: JsonContext) {
  return { id: pageId(x.config), name: x.config.name, url: x.base, time_zone: x.config.timeZone, updated_at: iso(x.view.updatedAt) };
}

function freshness(x: JsonContext) {
  return { stale: x.view.stale, as_of: iso(x.view.asOf), generated_at: iso(x.view.now), ...(x.view.stale && x.view.error ? { reason: x.view.error } : {}) };
}

function componentJson(x: JsonContext, c: ComponentView) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    position: c.position,
    description: c.description || null,
    showcase: true,
    start_date: iso(c.createdAt)!.slice(0, 10),
    group_id: c.group,
    page_id: pageId(x.config),
    group: false,
    only_show_if_degraded: false,
  };
}

/** Components and groups, flat, in page order (a group, then its components). */
export function componentsJson(x: JsonContext) {
  const out: Record<string, unknown>[] = [];
  for (const item of x.view.layout) {
    if ('components' in item) {
      const first = item.components[0];
      out.push({
        id: item.id,
        name: item.name,
        status: item.status,
        created_at: iso(first?.createdAt ?? x.view.now),
        updated_at: iso(Math.max(first?.createdAt ?? x.view.now, ...item.components.map((m) => m.updatedAt))),
        position: item.position,
        description: item.description || null,
        showcase: false,
        start_date: null,
        group_id: null,
        page_id: pageId(x.config),
        group: true,
        only_show_if_degraded: false,
        components: item.components.map((m) => m.id),
      });
      out.push(...item.components.map((m) => componentJson(x, m)));
    } else out.push(componentJson(x, item));
  }
  return out;
}

function nameOf(x: JsonContext, code: string): string {
  return x.view.components.find((c) => c.id === code)?.name ?? code;
}

function incidentJson(x: JsonContext, pi: PublicIncident) {
  const i = pi.incident;
  const comps = x.view.components.filter((c) => i.components.includes(c.id));
  return {
    id: i.id,
    name: i.title,
    status: i.status as string,
    created_at: iso(i.detectedAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(pi.monitoringAt),
    resolved_at: iso(i.status === 'resolved' || i.status === 'postmortem' ? i.resolvedAt : null),
    impact: IMPACT_OF[i.severity],
    shortlink: `${x.base}incidents/${encodeURIComponent(i.id)}`,
    started_at: iso(i.startedAt),
    page_id: pageId(x.config),
    incident_updates: [...pi.updates].reverse().map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: iso(u.at),
      updated_at: iso(u.at),
      display_at: iso(u.at),
      affected_components: u.affected.length ? u.affected.map((a) => ({ code: a.code, name: nameOf(x, a.code), old_status: a.old_status, new_status: a.new_status })) : null,
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: comps.map((c) => componentJson(x, c)),
    ...(pi.postmortem ? { postmortem_body: pi.postmortem.body, postmortem_published_at: iso(pi.postmortem.publishedAt) } : {}),
  };
}

const MAINT_AFFECT: Partial<Record<MaintenanceStatus, [ComponentStatus, ComponentStatus]>> = {
  in_progress: ['operational', 'under_maintenance'],
  completed: ['under_maintenance', 'operational'],
};

function maintenanceJson(x: JsonContext, m: Maintenance) {
  return {
    id: m.id,
    name: m.title,
    status: m.status,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
    monitoring_at: null,
    resolved_at: iso(m.completedAt),
    impact: 'maintenance',
    shortlink: `${x.base}maintenance/${encodeURIComponent(m.id)}`,
    started_at: iso(m.startedAt ?? m.scheduledFor),
    page_id: pageId(x.config),
    incident_updates: [...m.updates].reverse().map((u) => {
      const affect = MAINT_AFFECT[u.status];
      return {
        id: `${m.id}-${u.version}`,
        status: u.status,
        body: u.body,
        incident_id: m.id,
        created_at: iso(u.at),
        updated_at: iso(u.at),
        display_at: iso(u.at),
        affected_components: affect ? m.components.map((code) => ({ code, name: nameOf(x, code), old_status: affect[0], new_status: affect[1] })) : null,
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      };
    }),
    components: x.view.components.filter((c) => m.components.includes(c.id)).map((c) => componentJson(x, c)),
    scheduled_for: iso(m.scheduledFor),
    scheduled_until: iso(m.scheduledUntil),
  };
}

const upcoming = (v: StatusView) => v.maintenances.filter((m) => m.status === 'scheduled').sort((a, b) => a.scheduledFor - b.scheduledFor);
const active = (v: StatusView) => v.maintenances.filter((m) => m.status === 'in_progress' || m.status === 'verifying');

/** The documents by path below api/v2/. */
export const STATUSPAGE_DOCUMENTS: Record<string, (x: JsonContext) => unknown> = {
  'summary.json': (x) => ({
    page: page(x),
    components: componentsJson(x),
    incidents: x.view.unresolved.map((i) => incidentJson(x, i)),
    scheduled_maintenances: [...active(x.view), ...upcoming(x.view)].map((m) => maintenanceJson(x, m)),
    status: { indicator: x.view.indicator, description: x.view.description },
    freshness: freshness(x),
  }),
  'status.json': (x) => ({ page: page(x), status: { indicator: x.view.indicator, description: x.view.description }, freshness: freshness(x) }),
  'components.json': (x) => ({ page: page(x), components: componentsJson(x), freshness: freshness(x) }),
  'incidents.json': (x) => ({ page: page(x), incidents: x.view.incidents.slice(0, 50).map((i) => incidentJson(x, i)), freshness: freshness(x) }),
  'incidents/unresolved.json': (x) => ({ page: page(x), incidents: x.view.unresolved.map((i) => incidentJson(x, i)), freshness: freshness(x) }),
  'scheduled-maintenances.json': (x) => ({ page: page(x), scheduled_maintenances: x.view.maintenances.slice(0, 50).map((m) => maintenanceJson(x, m)), freshness: freshness(x) }),
  'scheduled-maintenances/upcoming.json': (x) => ({ page: page(x), scheduled_maintenances: upcoming(x.view).map((m) => maintenanceJson(x, m)), freshness: freshness(x) }),
  'scheduled-maintenances/active.json': (x) => ({ page: page(x), scheduled_maintenances: active(x.view).map((m) => maintenanceJson(x, m)), freshness: freshness(x) }),
};
