/**
 * An operator's override of a component's status: the stream `component:<id>` holds
 * `component.status_overridden` and `component.override_cleared`; the override wins over what
 * incidents and maintenance say until it is cleared. Every change is audited.
 */
import type { AuditLog } from '../access/audit-log.js';
import type { Actor } from '../access/roles.js';
import type { Clock } from '../core/clock.js';
import type { ControlEvent, ControlEventStore } from '../store/control-port.js';
import type { ComponentStatus, Override } from './model.js';

export const COMPONENT_STREAM_PREFIX = 'component:';
export const componentStream = (id: string): string => `${COMPONENT_STREAM_PREFIX}${id}`;
export const CE = { overridden: 'component.status_overridden', cleared: 'component.override_cleared' } as const;

/** The override after one event of a component stream (undefined: none). */
export function applyOverrideEvent(e: ControlEvent): Override | undefined {
  if (e.type !== CE.overridden) return undefined;
  return { component: e.streamId.slice(COMPONENT_STREAM_PREFIX.length), status: e.data.status as ComponentStatus, reason: String(e.data.reason ?? ''), at: e.at, actor: e.actor };
}

export class OverrideService {
  constructor(private readonly d: { events: ControlEventStore; audit: AuditLog; clock: Clock }) {}

  async current(component: string): Promise<Override | undefined> {
    const events = await this.d.events.readStream(componentStream(component));
    const last = events.at(-1);
    return last ? applyOverrideEvent(last) : undefined;
  }

  async set(component: string, status: ComponentStatus, reason: string, actor: Actor): Promise<Override> {
    const [e] = await this.d.events.appendToStream(componentStream(component), [{ type: CE.overridden, data: { status, reason }, actor: actor.id, at: this.d.clock.now() }]);
    await this.d.audit.record(actor, 'component.status_overridden', component, { status, reason });
    return applyOverrideEvent(e)!;
  }

  /** Returns false when there was no override to clear. */
  async clear(component: string, reason: string, actor: Actor): Promise<boolean> {
    if (!(await this.current(component))) return false;
    await this.d.events.appendToStream(componentStream(component), [{ type: CE.cleared, data: { reason }, actor: actor.id, at: this.d.clock.now() }]);
    await this.d.audit.record(actor, 'component.override_cleared', component, { reason });
    return true;
  }
}
