/**
 * One immutable picture of the page at a moment: components (configured, then discovered) in their
 * groups with status and uptime, public incidents newest first, maintenance windows, the overall status
 * and how fresh all of it is. Every renderer (HTML, JSON, feeds, badges) reads this, never the store.
 */
import { IMPACT_OF, dailyUptime, overallUptime, pageStatus, worst, type ComponentStatus, type Indicator, type Override, type UptimeDay } from './model.js';
import type { StatusPageConfig } from './config.js';
import type { PublicIncident, StatusProjection } from './projection.js';
import type { Maintenance } from '../maintenance/model.js';
import { isOpenIncident, isPublicIncident } from './model.js';

export interface ComponentView {
  id: string;
  name: string;
  description: string;
  group: string | null;
  status: ComponentStatus;
  override: Override | null;
  position: number;
  /** When the component first appears (config: the history start; discovered: first named). */
  createdAt: number;
  updatedAt: number;
  days: UptimeDay[];
  uptime: number | null;
}

export interface GroupView {
  id: string;
  name: string;
  description: string;
  status: ComponentStatus;
  position: number;
  components: ComponentView[];
}

export interface StatusView {
  /** Changes whenever anything shown changes; the ETag is built from it. */
  key: string;
  now: number;
  asOf: number | null;
  stale: boolean;
  error: string | null;
  indicator: Indicator;
  description: string;
  /** Top level: ungrouped components and groups, in configured order. */
  layout: (ComponentView | GroupView)[];
  components: ComponentView[];
  groups: GroupView[];
  /** Public incidents, newest first. */
  incidents: PublicIncident[];
  unresolved: PublicIncident[];
  /** Not cancelled, newest scheduled first. */
  maintenances: Maintenance[];
  updatedAt: number;
}

/** Names for the components detection reports, when the configuration does not list them. */
const DETECTED_NAMES: Record<string, string> = { mcp: 'MCP endpoint', store: 'Database', nodes: 'Nodes', http: 'HTTP requests' };

export function discoveredName(id: string): string {
  if (DETECTED_NAMES[id]) return DETECTED_NAMES[id];
  const m = /^(node|region):(.+)$/.exec(id);
  return m ? `${m[1] === 'node' ? 'Node' : 'Region'} ${m[2]}` : id;
}

export const isGroup = (x: ComponentView | GroupView): x is GroupView => 'components' in x;

export function buildView(p: StatusProjection, c: StatusPageConfig, now: number, key: string): StatusView {
  const since = p.since ?? now;
  const configured = new Set(c.components.map((x) => x.id));
  const discovered = c.autoComponents ? [...p.named].filter((id) => !configured.has(id) && !c.groups.some((g) => g.id === id)).sort() : [];
  const defs = [...c.components, ...discovered.map((id) => ({ id, name: discoveredName(id), description: '', group: undefined }))];
  const components: ComponentView[] = defs.map((d, i) => {
    const history = p.history.get(d.id) ?? [];
    const days = dailyUptime(history, since, now, c.historyDays, c.timeZone);
    return {
      id: d.id,
      name: d.name,
      description: d.description,
      group: d.group ?? null,
      status: p.status(d.id),
      override: p.overrides.get(d.id) ?? null,
      position: i + 1,
      createdAt: since,
      updatedAt: history.at(-1)?.at ?? since,
      days,
      uptime: overallUptime(days),
    };
  });
  const groups: GroupView[] = c.groups.map((g, i) => {
    const members = components.filter((x) => x.group === g.id);
    return { id: g.id, name: g.name, description: g.description, status: worst(members.map((m) => m.status)), position: i + 1, components: members };
  });
  const layout: (ComponentView | GroupView)[] = [];
  for (const x of components) {
    if (x.group === null) layout.push(x);
    else if (!layout.some((l) => l.id === x.group)) layout.push(groups.find((g) => g.id === x.group)!);
  }
  for (const g of groups) if (!layout.includes(g)) layout.push(g);
  const incidents = [...p.incidents.values()]
    .filter((i) => isPublicIncident(i.incident))
    .sort((a, b) => b.incident.detectedAt - a.incident.detectedAt || (a.incident.id < b.incident.id ? 1 : -1));
  const unresolved = incidents.filter((i) => isOpenIncident(i.incident));
  const maintenances = [...p.maintenances.values()].filter((m) => m.status !== 'cancelled').sort((a, b) => b.scheduledFor - a.scheduledFor);
  const { indicator, description } = pageStatus(
    components.map((x) => x.status),
    unresolved.map((i) => IMPACT_OF[i.incident.severity]),
  );
  const updatedAt = Math.max(since, ...components.map((x) => x.updatedAt), ...incidents.map((i) => i.incident.updatedAt), ...maintenances.map((m) => m.updatedAt));
  return { key, now, asOf: p.asOf, stale: p.stale, error: p.lastError, indicator, description, layout, components, groups, incidents, unresolved, maintenances, updatedAt };
}
