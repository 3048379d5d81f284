import type { Comparison, Criterion } from '../experiment/schema.js';
import { METRIC_UNITS, type Metric } from '../experiment/metrics.js';
import type { ActivityRun } from './activities.js';

export interface CriterionResult {
  name: string;
  metric: Metric;
  /** What `passed` was judged against: our goal (default) or, with --against plan, the plan's target. */
  target: string;
  plan: string | null;
  goal: string | null;
  measured: number | null;
  unit: string;
  passed: boolean;
  plan_passed: boolean | null;
  goal_passed: boolean | null;
}

export interface Marker {
  t_ms: number;
  name: string;
  kind: 'fault' | 'revert' | 'action' | 'probe' | 'phase';
}

/** The JSON result of one drill (`continuum drill <scenario> --json`); docs/drills.md defines each key. */
export interface DrillResult {
  id: string;
  scenario: string;
  title: string;
  kind: 'chaos' | 'drill' | 'dr';
  status: 'completed' | 'aborted' | 'interrupted' | 'error';
  passed: boolean;
  against: 'goal' | 'plan';
  started_at: string;
  ended_at: string;
  duration_ms: number;
  scale: number;
  target: string;
  load: { sessions: number; subscribed: number; workers: number; modern: number; new_sessions_per_second: number };
  criteria: CriterionResult[];
  failover_ms: number | null;
  interruption_ms: number | null;
  recovery_ms: number | null;
  /** From each fault until the revert that answered it (a restart, a heal, a runbook) had finished: the
   * operators' time to restore, a pause for detection included; the worst over the faults. */
  restore_ms: number | null;
  sessions_total: number;
  sessions_lost: number;
  subscriptions_total: number;
  subscriptions_lost: number;
  requests_total: number;
  requests_failed: number;
  error_rate: number;
  acknowledged_writes_total: number;
  acknowledged_writes_lost: number | null;
  write_outage_ms: number | null;
  steady_state: { before: boolean | null; after: boolean | null; deviated: number };
  steady_state_p99_ms: number;
  timeline: { t: number; requests: number; failed: number; p50_ms: number; p99_ms: number }[];
  markers: Marker[];
  journal: { run: ActivityRun[]; rollbacks: ActivityRun[]; steady_states: { before: ActivityRun[]; after: ActivityRun[] } };
  /** Examples of what went wrong (lost sessions, failed writes, unexpected exits). */
  problems: string[];
  /** The last output of each node that exited without the drill stopping it. */
  node_logs: Record<string, string>;
  error?: string;
}

function compare(v: number, c: Comparison): boolean {
  switch (c.op) {
    case '<':
      return v < c.value;
    case '<=':
      return v <= c.value;
    case '>':
      return v > c.value;
    case '>=':
      return v >= c.value;
    case '==':
      return v === c.value;
  }
}

/** Judges each criterion on the measured metrics. A metric that could not be measured fails. */
export function judge(criteria: Criterion[], metrics: Record<Metric, number | null>, against: 'goal' | 'plan'): CriterionResult[] {
  return criteria.map((c) => {
    let measured = metrics[c.metric];
    // Error rates are stated in percent, as the plan states them ("< 0.1 %").
    if (c.metric === 'error_rate' && measured !== null) measured = Math.round(measured * 100 * 10_000) / 10_000;
    const planPassed = c.plan && measured !== null ? compare(measured, c.plan) : c.plan ? false : null;
    const goalPassed = c.goal && measured !== null ? compare(measured, c.goal) : c.goal ? false : null;
    const judgedBy = against === 'plan' ? (c.plan ?? c.goal!) : (c.goal ?? c.plan!);
    const passed = measured !== null && compare(measured, judgedBy);
    return {
      name: c.name,
      metric: c.metric,
      target: judgedBy.text,
      plan: c.plan?.text ?? null,
      goal: c.goal?.text ?? null,
      measured,
      unit: METRIC_UNITS[c.metric],
      passed,
      plan_passed: planPassed,
      goal_passed: goalPassed,
    };
  });
}
