/**
 * Incident commands. Each reads the incident's stream, decides which events the command produces
 * (refusing it with an IncidentError when the incident's state does not allow it), and appends them at
 * the version it read; when another writer got there first it reads again and decides again. Operator
 * commands are audited; paging happens after the events are committed.
 */
import type { AuditLog } from '../access/audit-log.js';
import type { Actor } from '../access/roles.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { Logger } from '../log/index.js';
import {
  DuplicateControlEvent,
  StreamVersionConflict,
  type ControlEvent,
  type ControlEventStore,
  type NewControlEvent,
} from '../store/control-port.js';
import type { JsonObject } from '../store/port.js';
import type { IncidentsConfig } from './config.js';
import { applyEvent, E, foldIncident, timelineOf, type DeclaredData } from './events.js';
import {
  incidentStream,
  isOpen,
  moreSevere,
  type Incident,
  type IncidentMode,
  type IncidentStatus,
  type OpenStatus,
  type Severity,
  type TimelineEntry,
} from './model.js';
import type { Page, Pager, PageResult } from './pager.js';
import { IncidentProjection } from './projection.js';
import { signalDedupKey, type Classified, type Signal } from './signal.js';
import type { ResponseTeam } from './team.js';

/** A command the incident's state does not allow, or bad input; status is the HTTP status to answer. */
export class IncidentError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'IncidentError';
  }
}

export interface DeclareInput {
  title: string;
  severity: Severity;
  mode?: IncidentMode;
  components?: string[];
  impact?: string;
  summary?: string;
  /** When the problem started, if before now. */
  startedAt?: number;
}

export interface UpdateInput {
  status?: OpenStatus | 'postmortem';
  severity?: Severity;
  message?: string;
  /** The message was posted externally (status page, customers): resets the update-cadence reminder. */
  external?: boolean;
  title?: string;
  components?: string[];
  impact?: string;
  summary?: string;
  mitigated?: boolean;
  /** A failover completed: updates are then due every 4 hours. */
  failover?: boolean;
}

export type IngestOutcome = 'opened' | 'joined' | 'raised' | 'duplicate' | 'recovered' | 'resolved' | 'ignored' | 'already-recorded';

export interface IngestResult {
  outcome: IngestOutcome;
  incident: Incident | null;
}

type Draft = Omit<NewControlEvent, 'actor' | 'at'>;

const MAX_ATTEMPTS = 8;
/** How long a claim on a signal key may point to an incident not yet declared before another node
 * takes over (the claimant crashed between its two appends). */
const CLAIM_GRACE_MS = 5_000;
const CLAIMED = 'signal_key.claimed';

export interface IncidentServiceDeps {
  events: ControlEventStore;
  audit: AuditLog;
  team: ResponseTeam;
  pager: Pager;
  clock: Clock;
  random: Random;
  config: IncidentsConfig;
  log: Logger;
}

export class IncidentService {
  readonly projection: IncidentProjection;
  private readonly inflight = new Set<Promise<unknown>>();

  constructor(private readonly d: IncidentServiceDeps) {
    this.projection = new IncidentProjection(d.events);
  }

  /** The incident and its timeline, read from its stream; null when there is no such incident. */
  async get(id: string): Promise<{ incident: Incident; timeline: TimelineEntry[] } | null> {
    const events = await this.d.events.readStream(incidentStream(id));
    const incident = foldIncident(events);
    return incident ? { incident, timeline: timelineOf(events) } : null;
  }

  list(filter: { status?: 'open' | 'closed' | 'all' } = {}): Promise<Incident[]> {
    return this.projection.list(filter);
  }

  async declare(input: DeclareInput, actor: Actor): Promise<Incident> {
    const now = this.d.clock.now();
    if (input.startedAt !== undefined && input.startedAt > now) throw new IncidentError(422, 'startedAt is in the future');
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const id = this.newId(now);
      const data: DeclaredData = {
        id,
        title: input.title,
        severity: input.severity,
        mode: input.mode ?? 'real',
        components: input.components ?? [],
        impact: input.impact ?? '',
        summary: input.summary ?? '',
        dedupKey: id,
        source: 'manual',
        startedAt: input.startedAt ?? now,
        detectedAt: now,
        roles: this.d.team.assignmentsFor(input.severity, now),
      };
      try {
        const stored = await this.append(id, [{ type: E.declared, data: data as unknown as JsonObject }], actor, 0);
        const incident = foldIncident(stored)!;
        await this.d.audit.record(actor, 'incident.declared', id, { title: input.title, severity: input.severity, mode: data.mode });
        this.pageLater(incident, this.pageFor(incident, 'trigger', 'incident'), actor);
        return incident;
      } catch (err) {
        if (!(err instanceof StreamVersionConflict)) throw err; // an id collision: draw another
      }
    }
    throw new IncidentError(409, 'could not allocate an incident id; retry');
  }

  async acknowledge(id: string, actor: Actor): Promise<Incident> {
    const incident = await this.mutate(id, actor, (inc) => {
      if (!isOpen(inc.status)) throw new IncidentError(409, `${id} is ${inc.status}; only an open incident can be acknowledged`);
      return inc.acknowledgedAt === null ? [{ type: E.acknowledged, data: {} }] : [];
    });
    await this.d.audit.record(actor, 'incident.acknowledged', id);
    this.pageLater(incident, this.pageFor(incident, 'acknowledge', 'incident'), actor);
    return incident;
  }

  async update(id: string, input: UpdateInput, actor: Actor): Promise<Incident> {
    let raised = false;
    let before: IncidentStatus | null = null;
    const incident = await this.mutate(id, actor, (inc) => {
      raised = false;
      before = inc.status;
      const drafts: Draft[] = [];
      if (input.status !== undefined && input.status !== inc.status) {
        checkTransition(inc, input.status);
        drafts.push({ type: E.statusChanged, data: { from: inc.status, to: input.status } });
      }
      const changes: JsonObject = {};
      for (const k of ['title', 'components', 'impact', 'summary'] as const) {
        if (input[k] !== undefined && JSON.stringify(input[k]) !== JSON.stringify(inc[k])) changes[k] = input[k];
      }
      const touchesOpenState = input.severity !== undefined || input.mitigated || input.failover;
      if (touchesOpenState && !isOpen(inc.status) && !(input.status && isOpen(input.status as IncidentStatus))) {
        throw new IncidentError(409, `${id} is ${inc.status}: reopen it (status investigating) before changing severity, mitigation or failover`);
      }
      if (input.severity !== undefined && input.severity !== inc.severity) {
        raised = moreSevere(input.severity, inc.severity);
        drafts.push({ type: E.severityChanged, data: { from: inc.severity, to: input.severity, reason: 'set by responder' } });
        if (raised) drafts.push(...this.missingRoles(inc, input.severity));
      }
      if (input.message !== undefined || Object.keys(changes).length > 0) {
        drafts.push({ type: E.updated, data: { ...(input.message !== undefined ? { message: input.message } : {}), external: input.external === true, changes } });
      }
      if (input.mitigated && inc.mitigatedAt === null) drafts.push({ type: E.mitigated, data: {} });
      if (input.failover && inc.failoverAt === null) drafts.push({ type: E.failoverRecorded, data: {} });
      if (drafts.length === 0) throw new IncidentError(422, 'nothing to change: give status, severity, message, title, components, impact, summary, mitigated or failover');
      return drafts;
    });
    await this.d.audit.record(actor, 'incident.updated', id, withoutUndefined(input as unknown as JsonObject));
    if (raised) this.pageLater(incident, this.pageFor(incident, 'trigger', 'incident'), actor);
    else if ((input.status !== undefined && input.status !== before) || input.message !== undefined) {
      // Communications' update template (paging receivers do not get kind 'update').
      const details: JsonObject = { previousStatus: before ?? incident.status, ...(input.message !== undefined ? { message: input.message } : {}) };
      this.pageLater(incident, this.pageFor(incident, 'trigger', 'update', details), actor);
    }
    return incident;
  }

  async resolve(id: string, message: string | undefined, actor: Actor): Promise<Incident> {
    const incident = await this.mutate(id, actor, (inc) => {
      if (!isOpen(inc.status)) throw new IncidentError(409, `${id} is ${inc.status}; only an open incident can be resolved`);
      return this.resolution(inc, message);
    });
    await this.d.audit.record(actor, 'incident.resolved', id, message ? { message } : {});
    this.pageLater(incident, this.pageFor(incident, 'resolve', 'incident'), actor);
    return incident;
  }

  async assignRole(id: string, role: string, assignee: string | undefined, actor: Actor): Promise<Incident> {
    const incident = await this.mutate(id, actor, () => {
      const a = this.d.team.assign(role, assignee, this.d.clock.now());
      return [{ type: E.roleAssigned, data: a as unknown as JsonObject }];
    });
    await this.d.audit.record(actor, 'incident.role_assigned', id, { role, assignee: assignee ?? null });
    return incident;
  }

  async pin(id: string, version: number, pinned: boolean, actor: Actor): Promise<Incident> {
    const incident = await this.mutate(id, actor, (inc) => {
      if (version < 1 || version > inc.version) throw new IncidentError(404, `${id} has timeline events 1-${inc.version}; there is no event ${version}`);
      return [{ type: E.pinned, data: { targetVersion: version, pinned } }];
    });
    await this.d.audit.record(actor, pinned ? 'incident.event_pinned' : 'incident.event_unpinned', id, { version });
    return incident;
  }

  async decline(id: string, reason: string | undefined, actor: Actor): Promise<Incident> {
    const incident = await this.mutate(id, actor, (inc) => {
      if (!isOpen(inc.status)) throw new IncidentError(409, `${id} is ${inc.status}; only an open incident can be declined`);
      const data: JsonObject = reason ? { reason } : {};
      return [{ type: E.declined, data }];
    });
    await this.d.audit.record(actor, 'incident.declined', id, reason ? { reason } : {});
    this.pageLater(incident, this.pageFor(incident, 'resolve', 'incident'), actor);
    return incident;
  }

  async merge(id: string, into: string, actor: Actor): Promise<Incident> {
    if (id === into) throw new IncidentError(422, 'an incident cannot be merged into itself');
    const target = await this.get(into);
    if (!target) throw new IncidentError(404, `no incident ${into} to merge into`);
    if (!isOpen(target.incident.status)) throw new IncidentError(409, `${into} is ${target.incident.status}; merge into an open incident`);
    const incident = await this.mutate(id, actor, (inc) => {
      if (!isOpen(inc.status)) throw new IncidentError(409, `${id} is ${inc.status}; only an open incident can be merged`);
      return [{ type: E.merged, data: { into } }];
    });
    await this.d.audit.record(actor, 'incident.merged', id, { into });
    this.pageLater(incident, this.pageFor(incident, 'resolve', 'incident'), actor);
    return incident;
  }

  /**
   * A detected signal: joins the open incident holding its key, or opens one. The correlation stream
   * `signal-key:<key>` names the key's latest incident; claiming it at the version read makes two nodes
   * that see the same failure at once open one incident, not two. `idempotencyKey` (the journal entry)
   * makes a retry after an unknown outcome harmless.
   */
  async ingestSignal(signal: Signal, classified: Classified | null, opts: { idempotencyKey: string; actor: Actor }): Promise<IngestResult> {
    const done = await this.d.events.findByIdempotencyKey(opts.idempotencyKey);
    if (done) return { outcome: 'already-recorded', incident: await this.incidentOf(done) };
    const correlation = `signal-key:${signal.key}`;
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const claims = await this.d.events.readStream(correlation);
      const claim = claims.at(-1);
      const claimedId = claim ? String(claim.data.incidentId) : null;
      const events = claimedId ? await this.d.events.readStream(incidentStream(claimedId)) : [];
      const current = foldIncident(events);
      try {
        if (current && isOpen(current.status)) return await this.joinSignal(current, signal, classified, opts);
        // Seen before that incident was resolved (a journal replayed late, a slow node): it belongs to the
        // closed incident, and must not open a new one for a problem already over.
        if (current && current.resolvedAt !== null && signal.at <= current.resolvedAt) return { outcome: 'ignored', incident: current };
        if (claim && !current && claim.data.claimant !== opts.idempotencyKey && this.d.clock.now() - claim.at < CLAIM_GRACE_MS && attempt < MAX_ATTEMPTS - 1) {
          // Another node claimed the key and is declaring the incident right now.
          await new Promise((r) => setTimeout(r, 50 * (attempt + 1)));
          continue;
        }
        if (signal.resolved || !classified) return { outcome: 'ignored', incident: null };
        let id = claimedId;
        if (!(claim && !current && claim.data.claimant === opts.idempotencyKey)) {
          id = this.newId(signal.at);
          await this.d.events.appendToStream(
            correlation,
            [{ type: CLAIMED, data: { incidentId: id, claimant: opts.idempotencyKey }, actor: opts.actor.id, at: this.d.clock.now() }],
            { expectedVersion: claims.length },
          );
        }
        return { outcome: 'opened', incident: await this.openFromSignal(id!, signal, classified, opts) };
      } catch (err) {
        if (err instanceof DuplicateControlEvent) {
          const done = await this.d.events.findByIdempotencyKey(opts.idempotencyKey);
          return { outcome: 'already-recorded', incident: done ? await this.incidentOf(done) : null };
        }
        if (!(err instanceof StreamVersionConflict)) throw err;
      }
    }
    throw new IncidentError(409, `signal ${signal.key}: too many concurrent changes; it stays in the journal and is retried`);
  }

  /** Records pages sent for an incident (by this service or by the detector from its journal). */
  async recordPage(incidentId: string, page: Page, results: PageResult[], actor: Actor, opts: { at?: number; idempotencyKey?: string } = {}): Promise<void> {
    const data = { dedupKey: page.dedupKey, action: page.action, kind: page.kind, results: results as unknown as JsonObject[] };
    const event: NewControlEvent = { type: E.pageSent, data, actor: actor.id, at: opts.at ?? this.d.clock.now() };
    if (opts.idempotencyKey) event.idempotencyKey = opts.idempotencyKey;
    try {
      await this.d.events.appendToStream(incidentStream(incidentId), [event]);
    } catch (err) {
      if (!(err instanceof DuplicateControlEvent)) throw err; // recorded before a crash or by another node
    }
  }

  /** Appends events decided from the incident's current state (timers use this). */
  mutate(id: string, actor: Actor, decide: (inc: Incident) => Draft[]): Promise<Incident> {
    return this.mutateWith(id, actor, decide);
  }

  /** The page for an incident as it is now. */
  pageFor(inc: Incident, action: Page['action'], kind: Page['kind'], details: JsonObject = {}): Page {
    return {
      dedupKey: inc.dedupKey,
      action,
      kind,
      incidentId: inc.id,
      summary: `${inc.id}: ${inc.title}`,
      severity: inc.severity,
      mode: inc.mode,
      source: 'continuum',
      component: inc.components[0] ?? null,
      details: {
        status: inc.status,
        roles: inc.roles.map((r) => ({ role: r.role, assignee: r.assignee })) as unknown as JsonObject[],
        ...details,
      },
    };
  }

  /** Sends a page unless the incident is a tabletop exercise, then records the outcome in its timeline. */
  pageLater(inc: Incident, page: Page, actor: Actor): void {
    if (inc.mode === 'tabletop') return;
    const work = this.d.pager
      .send(page)
      .then((results) => (results.length > 0 ? this.recordPage(inc.id, page, results, actor) : undefined))
      .catch((err: Error) => this.d.log.warn({ err, incident: inc.id }, 'could not page or record the page'));
    this.inflight.add(work);
    void work.finally(() => this.inflight.delete(work));
  }

  /** Resolves once pages started so far were sent and recorded (shutdown and tests). */
  async settled(): Promise<void> {
    while (this.inflight.size > 0) await Promise.allSettled([...this.inflight]);
  }

  /** The events that close an incident: resolved, then the debrief the plan asks for within 24 h. */
  resolution(inc: Incident, message: string | undefined): Draft[] {
    const dueAt = this.d.clock.now() + this.d.config.debriefWithin;
    const attendees = inc.roles.filter((r) => r.assignee).map((r) => r.assignee as string);
    return [
      { type: E.resolved, data: message ? { message } : {} },
      { type: E.debriefScheduled, data: { dueAt, attendees } },
    ];
  }

  private async joinSignal(inc: Incident, signal: Signal, classified: Classified | null, opts: { idempotencyKey: string; actor: Actor }): Promise<IngestResult> {
    const key = opts.idempotencyKey;
    const base = { key: signal.key, kind: signal.kind, summary: signal.summary, source: signal.source };
    if (signal.resolved) {
      if (!signal.fingerprint) {
        const stored = await this.append(inc.id, [{ type: E.signalRecovered, data: base, idempotencyKey: key }], opts.actor, inc.version);
        return { outcome: 'recovered', incident: this.after(inc, stored) };
      }
      const drafts: Draft[] = [{ type: E.alertResolved, data: { key: signal.key, fingerprint: signal.fingerprint }, idempotencyKey: key }];
      const alerts = { ...inc.alerts, [signal.fingerprint]: 'resolved' };
      const allResolved = Object.values(alerts).every((s) => s === 'resolved');
      if (signal.autoResolve && allResolved) drafts.push(...this.resolution(inc, `every alert of ${signal.key} resolved`));
      const stored = await this.append(inc.id, drafts, opts.actor, inc.version);
      const after = this.after(inc, stored);
      if (after.status === 'resolved') this.pageLater(after, this.pageFor(after, 'resolve', 'incident'), opts.actor);
      return { outcome: after.status === 'resolved' ? 'resolved' : 'recovered', incident: after };
    }
    if (signal.fingerprint && inc.alerts[signal.fingerprint] === 'firing') return { outcome: 'duplicate', incident: inc };
    const drafts: Draft[] = [
      { type: E.signalReceived, data: { ...base, severity: classified?.severity ?? null, ...(signal.fingerprint ? { fingerprint: signal.fingerprint } : {}) }, idempotencyKey: key },
    ];
    const raise = classified !== null && moreSevere(classified.severity, inc.severity);
    if (raise) {
      drafts.push({ type: E.severityChanged, data: { from: inc.severity, to: classified.severity, reason: `signal ${signal.kind} (${signal.key})` } });
      drafts.push(...this.missingRoles(inc, classified.severity));
    }
    const stored = await this.append(inc.id, drafts, opts.actor, inc.version);
    return { outcome: raise ? 'raised' : 'joined', incident: this.after(inc, stored) };
  }

  private async openFromSignal(id: string, signal: Signal, c: Classified, opts: { idempotencyKey: string; actor: Actor }): Promise<Incident> {
    const data: DeclaredData = {
      id,
      title: c.title,
      severity: c.severity,
      mode: 'real',
      components: signal.components,
      impact: '',
      summary: signal.summary,
      dedupKey: signalDedupKey(signal),
      source: 'signal',
      startedAt: Math.min(signal.startedAt ?? signal.at, signal.at),
      detectedAt: signal.at,
      roles: this.d.team.assignmentsFor(c.severity, signal.at),
      signal: { key: signal.key, kind: signal.kind, ...(signal.fingerprint ? { fingerprint: signal.fingerprint } : {}) },
    };
    const stored = await this.append(id, [{ type: E.declared, data: data as unknown as JsonObject, idempotencyKey: opts.idempotencyKey }], opts.actor, 0);
    return foldIncident(stored)!;
  }

  private async incidentOf(e: ControlEvent): Promise<Incident | null> {
    if (!e.streamId.startsWith('incident:')) return null;
    return foldIncident(await this.d.events.readStream(e.streamId));
  }

  private missingRoles(inc: Incident, severity: Severity): Draft[] {
    const have = new Set(inc.roles.map((r) => r.role));
    return this.d.team
      .assignmentsFor(severity, this.d.clock.now())
      .filter((a) => !have.has(a.role))
      .map((a) => ({ type: E.roleAssigned, data: a as unknown as JsonObject }));
  }

  private after(inc: Incident, stored: ControlEvent[]): Incident {
    return stored.reduce<Incident>((acc, e) => applyEvent(acc, e) ?? acc, inc);
  }

  private async mutateWith(id: string, actor: Actor, decide: (inc: Incident) => Draft[]): Promise<Incident> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const events = await this.d.events.readStream(incidentStream(id));
      const inc = foldIncident(events);
      if (!inc) throw new IncidentError(404, `no incident ${id} (list them with GET /api/v1/incidents or continuum incident list)`);
      const drafts = decide(inc);
      if (drafts.length === 0) return inc;
      try {
        return this.after(inc, await this.append(id, drafts, actor, inc.version));
      } catch (err) {
        if (!(err instanceof StreamVersionConflict)) throw err;
      }
    }
    throw new IncidentError(409, `${id} is changing too fast (other writers kept appending); retry`);
  }

  private append(id: string, drafts: Draft[], actor: Actor, expectedVersion: number): Promise<ControlEvent[]> {
    const at = this.d.clock.now();
    return this.d.events.appendToStream(incidentStream(id), drafts.map((x) => ({ ...x, actor: actor.id, at })), { expectedVersion });
  }

  /** INC-YYYYMMDD-XXXXXX: sortable by day, readable over the phone, random enough not to collide. */
  private newId(at: number): string {
    const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '');
    return `INC-${day}-${Buffer.from(this.d.random.bytes(3)).toString('hex').toUpperCase()}`;
  }
}

function checkTransition(inc: Incident, to: OpenStatus | 'postmortem'): void {
  if (inc.status === 'declined' || inc.status === 'merged') {
    throw new IncidentError(409, `${inc.id} is ${inc.status}; it cannot change status any more`);
  }
  if (to === 'postmortem' && inc.status !== 'resolved') {
    throw new IncidentError(409, `${inc.id} is ${inc.status}: resolve it before moving it to postmortem`);
  }
  if (inc.status === 'postmortem' && to !== 'postmortem') {
    throw new IncidentError(409, `${inc.id} is in postmortem; declare a new incident if the problem is back`);
  }
}

function withoutUndefined(o: JsonObject): JsonObject {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}
