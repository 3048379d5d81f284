/**
 * Maintenance commands: schedule a window, move it through its statuses, post updates, cancel it.
 * Like incidents, each command reads the window's stream, decides, and appends at the version it read;
 * operator commands are audited. `tick` starts and completes windows whose times have come (when they
 * ask for it); every node may run it: an idempotency key per transition makes the append happen once.
 */
import type { AuditLog } from '../access/audit-log.js';
import type { Actor } from '../access/roles.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { DuplicateControlEvent, StreamVersionConflict, type ControlEventStore, type NewControlEvent } from '../store/control-port.js';
import type { JsonObject } from '../store/port.js';
import { StreamProjection } from '../store/stream-projection.js';
import { applyMaintenanceEvent, foldMaintenance, ME, type ScheduledData } from './events.js';
import { isActive, MAINTENANCE_STREAM_PREFIX, maintenanceStream, TRANSITIONS, type Maintenance, type MaintenanceStatus } from './model.js';

export class MaintenanceError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
  ) {
    super(message);
    this.name = 'MaintenanceError';
  }
}

export interface ScheduleInput {
  title: string;
  body?: string;
  components: string[];
  scheduledFor: number;
  scheduledUntil: number;
  autoStart?: boolean;
  autoComplete?: boolean;
}

type Draft = Omit<NewControlEvent, 'actor' | 'at'>;
const MAX_ATTEMPTS = 8;

/** Every window, caught up from the control event log (for lists and the auto-transition tick). */
export class MaintenanceProjection extends StreamProjection<Maintenance> {
  constructor(events: ControlEventStore) {
    super(events, MAINTENANCE_STREAM_PREFIX, applyMaintenanceEvent);
  }

  async list(): Promise<Maintenance[]> {
    return (await this.all()).sort((a, b) => b.scheduledFor - a.scheduledFor || (a.id < b.id ? -1 : 1));
  }
}

export class MaintenanceService {
  readonly projection: MaintenanceProjection;

  constructor(
    private readonly d: { events: ControlEventStore; audit: AuditLog; clock: Clock; random: Random },
  ) {
    this.projection = new MaintenanceProjection(d.events);
  }

  async get(id: string): Promise<Maintenance | null> {
    return foldMaintenance(await this.d.events.readStream(maintenanceStream(id)));
  }

  list(): Promise<Maintenance[]> {
    return this.projection.list();
  }

  async schedule(input: ScheduleInput, actor: Actor): Promise<Maintenance> {
    if (!(input.scheduledUntil > input.scheduledFor)) throw new MaintenanceError(422, 'scheduledUntil must be after scheduledFor');
    if (input.components.length === 0) throw new MaintenanceError(422, 'name at least one component the window affects');
    const now = this.d.clock.now();
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const id = this.newId(input.scheduledFor);
      const data: ScheduledData = {
        id,
        title: input.title,
        body: input.body ?? '',
        components: [...new Set(input.components)],
        scheduledFor: input.scheduledFor,
        scheduledUntil: input.scheduledUntil,
        autoStart: input.autoStart ?? true,
        autoComplete: input.autoComplete ?? true,
      };
      try {
        const stored = await this.d.events.appendToStream(maintenanceStream(id), [{ type: ME.scheduled, data: data as unknown as JsonObject, actor: actor.id, at: now }], { expectedVersion: 0 });
        await this.d.audit.record(actor, 'maintenance.scheduled', id, { title: input.title, components: data.components, scheduledFor: new Date(input.scheduledFor).toISOString(), scheduledUntil: new Date(input.scheduledUntil).toISOString() });
        return foldMaintenance(stored)!;
      } catch (err) {
        if (!(err instanceof StreamVersionConflict)) throw err;
      }
    }
    throw new MaintenanceError(409, 'could not allocate a maintenance id; retry');
  }

  /** Moves a window to `to` (start: in_progress, verify: verifying, complete: completed, cancel: cancelled). */
  async transition(id: string, to: MaintenanceStatus, message: string | undefined, actor: Actor): Promise<Maintenance> {
    let changed = false;
    const m = await this.mutate(id, actor, (w) => {
      changed = w.status !== to;
      if (!changed) return [];
      if (!TRANSITIONS[w.status].includes(to)) {
        throw new MaintenanceError(409, `${id} is ${w.status}; it can move to ${TRANSITIONS[w.status].join(', ') || 'nothing (it is over)'}`);
      }
      return [{ type: ME.statusChanged, data: { from: w.status, to, ...(message ? { message } : {}) } }];
    });
    // Asking for the status a window already has changes nothing, and nothing is recorded.
    if (changed) await this.d.audit.record(actor, `maintenance.${to}`, id, message ? { message } : {});
    return m;
  }

  async update(id: string, message: string, actor: Actor): Promise<Maintenance> {
    const m = await this.mutate(id, actor, (w) => {
      if (w.status === 'completed' || w.status === 'cancelled') throw new MaintenanceError(409, `${id} is ${w.status}; post updates to windows that are not over`);
      return [{ type: ME.updated, data: { message } }];
    });
    await this.d.audit.record(actor, 'maintenance.updated', id, { message });
    return m;
  }

  /** Starts and completes windows whose times have come. Returns how many transitions it appended. */
  async tick(actor: Actor): Promise<number> {
    const now = this.d.clock.now();
    let done = 0;
    for (const w of await this.projection.list()) {
      let to: MaintenanceStatus | null = null;
      if (w.status === 'scheduled' && w.autoStart && now >= w.scheduledFor) to = now >= w.scheduledUntil && w.autoComplete ? 'completed' : 'in_progress';
      else if (isActive(w) && w.autoComplete && now >= w.scheduledUntil) to = 'completed';
      if (!to) continue;
      const key = `${maintenanceStream(w.id)}:auto:${to}`;
      const from = w.status;
      try {
        await this.d.events.appendToStream(maintenanceStream(w.id), [{ type: ME.statusChanged, data: { from, to, auto: true }, actor: actor.id, at: now, idempotencyKey: key }], { expectedVersion: w.version });
        done += 1;
      } catch (err) {
        // Another node did it, or an operator moved the window meanwhile: the next tick decides again.
        if (!(err instanceof DuplicateControlEvent) && !(err instanceof StreamVersionConflict)) throw err;
      }
    }
    return done;
  }

  private async mutate(id: string, actor: Actor, decide: (m: Maintenance) => Draft[]): Promise<Maintenance> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const events = await this.d.events.readStream(maintenanceStream(id));
      const m = foldMaintenance(events);
      if (!m) throw new MaintenanceError(404, `no maintenance ${id} (list them with GET /api/v1/maintenance or continuum maintenance list)`);
      const drafts = decide(m);
      if (drafts.length === 0) return m;
      const at = this.d.clock.now();
      try {
        const stored = await this.d.events.appendToStream(maintenanceStream(id), drafts.map((x) => ({ ...x, actor: actor.id, at })), { expectedVersion: m.version });
        return stored.reduce<Maintenance>((acc, e) => applyMaintenanceEvent(acc, e) ?? acc, m);
      } catch (err) {
        if (!(err instanceof StreamVersionConflict)) throw err;
      }
    }
    throw new MaintenanceError(409, `${id} is changing too fast; retry`);
  }

  private newId(at: number): string {
    const day = new Date(at).toISOString().slice(0, 10).replaceAll('-', '');
    return `MNT-${day}-${Buffer.from(this.d.random.bytes(3)).toString('hex').toUpperCase()}`;
  }
}
