/**
 * The plan's clocks, evaluated on every tick against the injected clock:
 *  - escalation: unacknowledged past the severity's response time, escalate to its target, then one
 *    level up the ladder per further response time;
 *  - update cadence: a reminder to post an external update every 15 min during P0/P1, every 4 h after
 *    a failover, counted from the last external update.
 * The debrief is scheduled by the resolution itself (IncidentService.resolution). Each firing is an
 * event in the incident's stream, decided again on the incident's fresh state, so several nodes
 * ticking at once fire it once.
 */
import type { Actor } from '../access/roles.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../log/index.js';
import type { IncidentsConfig } from './config.js';
import { E } from './events.js';
import { ESCALATION_LEVELS, isOpen, SEVERITY_POLICY, type Incident } from './model.js';
import type { IncidentService } from './service.js';
import type { ResponseTeam } from './team.js';
import type { JsonObject } from '../store/port.js';
import { repeat } from '../core/repeat.js';

export interface EscalationDue {
  level: number;
  target: string;
  responseMs: number;
  dueAt: number;
}

export function escalationDue(inc: Incident, now: number): EscalationDue | null {
  if (!isOpen(inc.status) || inc.acknowledgedAt !== null) return null;
  const policy = SEVERITY_POLICY[inc.severity];
  const elapsedWindows = Math.floor((now - inc.detectedAt) / policy.responseMs);
  const top = ESCALATION_LEVELS.length - 1;
  const level = Math.min(elapsedWindows, top - policy.escalatesTo + 1);
  if (level < 1 || level <= inc.escalation.level) return null;
  return { level, target: ESCALATION_LEVELS[policy.escalatesTo + level - 1].key, responseMs: policy.responseMs, dueAt: inc.detectedAt + level * policy.responseMs };
}

export interface ReminderDue {
  dueAt: number;
  cadenceMs: number;
}

export function reminderDue(inc: Incident, now: number, cadence: IncidentsConfig['cadence']): ReminderDue | null {
  if (!isOpen(inc.status)) return null;
  const cadenceMs = inc.failoverAt !== null ? cadence.afterFailover : inc.severity === 'P0' || inc.severity === 'P1' ? cadence.majorIncident : null;
  if (cadenceMs === null) return null;
  const since = Math.max(inc.lastExternalUpdateAt ?? inc.detectedAt, inc.failoverAt ?? 0, inc.lastReminderDueAt ?? 0);
  if (now < since + cadenceMs) return null;
  // After a long pause (clock jump, node down) one reminder for the latest missed deadline, not a burst.
  return { dueAt: since + Math.floor((now - since) / cadenceMs) * cadenceMs, cadenceMs };
}

/** A resolved incident whose debrief is past due and was not held (the incident never moved to
 * postmortem): one reminder, at the deadline. */
export function debriefOverdue(inc: Incident, now: number): number | null {
  if (inc.status !== 'resolved' || inc.debriefDueAt === null || now < inc.debriefDueAt) return null;
  return (inc.lastReminderDueAt ?? 0) >= inc.debriefDueAt ? null : inc.debriefDueAt;
}

export interface TimerFiring {
  incident: string;
  kind: 'escalation' | 'reminder' | 'debrief-overdue';
  dueAt: number;
}

export class IncidentTimers {
  private readonly actor: Actor;
  private loop: { stop(): void } | null = null;

  constructor(
    private readonly service: IncidentService,
    private readonly config: IncidentsConfig,
    private readonly clock: Clock,
    nodeId: string,
    private readonly log: Logger,
    /** Escalation pages carry the contacts configured for their level. */
    private readonly team?: ResponseTeam,
  ) {
    this.actor = { id: `timer:${nodeId}`, role: 'system' };
  }

  /** Fires whatever is due now; returns what fired. */
  async tick(): Promise<TimerFiring[]> {
    const fired: TimerFiring[] = [];
    for (const inc of await this.service.list({ status: 'open' })) {
      const now = this.clock.now();
      if (escalationDue(inc, now)) {
        let due: EscalationDue | null = null;
        const after = await this.service.mutate(inc.id, this.actor, (fresh) => {
          due = escalationDue(fresh, this.clock.now());
          return due ? [{ type: E.escalated, data: { ...due } }] : [];
        });
        const d = due as EscalationDue | null;
        if (d) {
          fired.push({ incident: inc.id, kind: 'escalation', dueAt: d.dueAt });
          const title = ESCALATION_LEVELS.find((l) => l.key === d.target)?.title ?? d.target;
          const contacts = (this.team?.escalationContacts(d.target) ?? []) as unknown as JsonObject[];
          this.service.pageLater(after, this.service.pageFor(after, 'trigger', 'escalation', { escalation: { level: d.level, target: d.target, title, contacts } }), this.actor);
        }
      }
      if (reminderDue(inc, now, this.config.cadence)) {
        let due: ReminderDue | null = null;
        const after = await this.service.mutate(inc.id, this.actor, (fresh) => {
          due = reminderDue(fresh, this.clock.now(), this.config.cadence);
          return due ? [{ type: E.reminder, data: { kind: 'external-update', ...due } }] : [];
        });
        const d = due as ReminderDue | null;
        if (d) {
          fired.push({ incident: inc.id, kind: 'reminder', dueAt: d.dueAt });
          this.service.pageLater(after, this.service.pageFor(after, 'trigger', 'reminder', { reminder: 'post an external update', cadenceMs: d.cadenceMs }), this.actor);
        }
      }
    }
    for (const inc of await this.service.list({ status: 'closed' })) {
      if (debriefOverdue(inc, this.clock.now()) === null) continue;
      let dueAt: number | null = null;
      const after = await this.service.mutate(inc.id, this.actor, (fresh) => {
        dueAt = debriefOverdue(fresh, this.clock.now());
        return dueAt !== null ? [{ type: E.reminder, data: { kind: 'debrief-overdue', dueAt } }] : [];
      });
      if (dueAt !== null) {
        fired.push({ incident: inc.id, kind: 'debrief-overdue', dueAt });
        this.service.pageLater(after, this.service.pageFor(after, 'trigger', 'reminder', { reminder: 'hold the debrief (overdue)', debriefDueAt: dueAt }), this.actor);
      }
    }
    return fired;
  }

  start(intervalMs: number): void {
    this.loop = repeat(intervalMs, () => this.tick(), (err) => this.log.warn({ err }, 'incident timers could not run (store unreachable?); retrying'));
  }

  stop(): void {
    this.loop?.stop();
    this.loop = null;
  }
}
