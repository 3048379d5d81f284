/**
 * What the public page knows: incidents (with their public updates), maintenance windows, overrides and
 * each component's status history, folded from the control event log by reading it from where it last
 * stopped (like src/incidents/projection.ts). It keeps what it last read when the store stops answering,
 * so the page and the API go on serving it, marked stale, while the database fails over.
 */
import type { Clock } from '../core/clock.js';
import { withTimeout } from '../core/timeout.js';
import { applyEvent, E } from '../incidents/events.js';
import { INCIDENT_STREAM_PREFIX, type Incident } from '../incidents/model.js';
import { applyMaintenanceEvent } from '../maintenance/events.js';
import { isActive, MAINTENANCE_STREAM_PREFIX, type Maintenance } from '../maintenance/model.js';
import type { ControlEvent, ControlEventStore } from '../store/control-port.js';
import { componentStatus, isOpenIncident, isPublicIncident, type ComponentStatus, type Override, type PublicIncidentStatus, type Transition } from './model.js';
import { applyOverrideEvent, COMPONENT_STREAM_PREFIX } from './overrides.js';

const PAGE = 500;

export interface AffectedComponent {
  code: string;
  old_status: ComponentStatus;
  new_status: ComponentStatus;
}

/** One entry of an incident's public timeline. */
export interface PublicUpdate {
  id: string;
  status: PublicIncidentStatus;
  body: string;
  at: number;
  affected: AffectedComponent[];
  /** The body is the page's stock sentence for the status (no public message was given). */
  stock: boolean;
  actor: string;
}

export interface PublicIncident {
  incident: Incident;
  /** Oldest first. */
  updates: PublicUpdate[];
  monitoringAt: number | null;
  /** Public messages posted while the incident is in postmortem: the published post-mortem. */
  postmortem: { body: string; publishedAt: number } | null;
}

const STOCK: Record<PublicIncidentStatus, string> = {
  investigating: 'We are investigating this issue.',
  identified: 'The issue has been identified and a fix is being implemented.',
  monitoring: 'A fix has been implemented and we are monitoring the results.',
  resolved: 'This incident has been resolved.',
  postmortem: 'A post-mortem has been published.',
};

export class StatusProjection {
  readonly incidents = new Map<string, PublicIncident>();
  readonly maintenances = new Map<string, Maintenance>();
  readonly overrides = new Map<string, Override>();
  /** Each component's status changes, oldest first. */
  readonly history = new Map<string, Transition[]>();
  /** Every component id named by an incident, a window or an override. */
  readonly named = new Set<string>();
  private readonly open = new Set<string>();
  private lastSeq = 0;
  private running: Promise<void> | null = null;
  /** Bumps whenever what the page shows may have changed (new events, freshness). */
  version = 0;
  /** When history starts: the first event's time, else when this node first read the store. */
  since: number | null = null;
  /** When the store last answered a read completely. */
  asOf: number | null = null;
  lastError: string | null = null;

  constructor(
    private readonly events: ControlEventStore,
    private readonly clock: Clock,
    private readonly timeoutMs = 2000,
  ) {}

  get stale(): boolean {
    return this.lastError !== null || this.asOf === null;
  }

  /** Reads what was appended since the last read; on failure keeps the last state and records the error. */
  async refresh(): Promise<void> {
    const before = this.lastSeq;
    const wasStale = this.stale;
    try {
      this.running ??= this.read().finally(() => (this.running = null));
      await withTimeout(this.running, this.timeoutMs, 'the store did not answer');
      this.asOf = this.clock.now();
      this.since ??= this.asOf;
      this.lastError = null;
    } catch (err) {
      this.lastError = (err as Error).message;
    }
    if (this.lastSeq !== before || this.stale !== wasStale) this.version += 1;
  }

  status(component: string): ComponentStatus {
    return componentStatus(component, this.openIncidents(), this.activeMaintenances(), this.overrides.get(component));
  }

  private *openIncidents(): Iterable<Incident> {
    for (const id of this.open) yield this.incidents.get(id)!.incident;
  }

  private *activeMaintenances(): Iterable<Maintenance> {
    for (const m of this.maintenances.values()) if (isActive(m)) yield m;
  }

  private async read(): Promise<void> {
    for (;;) {
      const batch = await this.events.readAfter(this.lastSeq, PAGE);
      for (const e of batch) {
        // History starts with the oldest event (events can carry earlier clocks than the first read).
        if (this.since === null || e.at < this.since) this.since = e.at;
        this.apply(e);
        this.lastSeq = e.seq;
      }
      if (batch.length < PAGE) return;
    }
  }

  private apply(e: ControlEvent): void {
    let touched: string[];
    let change: () => void;
    if (e.streamId.startsWith(INCIDENT_STREAM_PREFIX)) {
      const id = e.streamId.slice(INCIDENT_STREAM_PREFIX.length);
      const cur = this.incidents.get(id);
      const next = applyEvent(cur?.incident ?? null, e);
      if (!next) return;
      touched = [...new Set([...(cur?.incident.components ?? []), ...next.components])];
      change = () => this.applyIncident(id, cur, next, e);
    } else if (e.streamId.startsWith(MAINTENANCE_STREAM_PREFIX)) {
      const id = e.streamId.slice(MAINTENANCE_STREAM_PREFIX.length);
      const next = applyMaintenanceEvent(this.maintenances.get(id) ?? null, e);
      if (!next) return;
      touched = next.components;
      change = () => this.maintenances.set(id, next);
    } else if (e.streamId.startsWith(COMPONENT_STREAM_PREFIX)) {
      const component = e.streamId.slice(COMPONENT_STREAM_PREFIX.length);
      touched = [component];
      change = () => {
        const o = applyOverrideEvent(e);
        if (o) this.overrides.set(component, o);
        else this.overrides.delete(component);
      };
    } else return;
    const before = touched.map((c) => this.status(c));
    change();
    touched.forEach((c, i) => {
      this.named.add(c);
      const after = this.status(c);
      if (after === before[i]) return;
      const h = this.history.get(c) ?? [];
      // Events commit in seq order but carry their writers' clocks: keep the history in time order.
      h.push({ at: Math.max(e.at, h.at(-1)?.at ?? e.at), status: after });
      this.history.set(c, h);
      const last = this.incidents.get(e.streamId.slice(INCIDENT_STREAM_PREFIX.length))?.updates.at(-1);
      if (e.streamId.startsWith(INCIDENT_STREAM_PREFIX) && last && last.at === e.at) {
        last.affected = last.affected.filter((a) => a.code !== c).concat({ code: c, old_status: before[i], new_status: after });
      }
    });
  }

  private applyIncident(id: string, cur: PublicIncident | undefined, inc: Incident, e: ControlEvent): void {
    const pi: PublicIncident = cur ?? { incident: inc, updates: [], monitoringAt: null, postmortem: null };
    pi.incident = inc;
    this.incidents.set(id, pi);
    if (isPublicIncident(inc) && isOpenIncident(inc)) this.open.add(id);
    else this.open.delete(id);
    if (!isPublicIncident(inc)) return;
    const d = e.data as Record<string, unknown>;
    const message = typeof d.message === 'string' && d.message.trim() ? d.message.trim() : null;
    const push = (status: PublicIncidentStatus, body: string | null) => {
      pi.updates.push({ id: `${id}-${e.version}`, status, body: body ?? STOCK[status], at: e.at, affected: [], stock: body === null, actor: e.actor });
    };
    switch (e.type) {
      case E.declared:
        push('investigating', inc.impact.trim() || null);
        break;
      case E.statusChanged: {
        const to = d.to as PublicIncidentStatus;
        if (to === 'monitoring') pi.monitoringAt ??= e.at;
        push(to, null);
        break;
      }
      case E.updated: {
        if (d.external !== true || !message) break;
        const last = pi.updates.at(-1);
        // A status change and its public message are appended together: one update, as on Statuspage.
        if (last && last.stock && last.at === e.at && last.actor === e.actor) {
          last.body = message;
          last.stock = false;
        } else push(inc.status as PublicIncidentStatus, message);
        if (inc.status === 'postmortem') {
          pi.postmortem = { body: pi.postmortem ? `${pi.postmortem.body}\n\n${message}` : message, publishedAt: pi.postmortem?.publishedAt ?? e.at };
        }
        break;
      }
      case E.resolved:
        push('resolved', message);
        break;
      default:
        break;
    }
  }
}
