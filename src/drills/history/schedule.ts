import { TEST_TYPES, type DrillsConfig, type TestType } from '../config.js';
import type { DrillRecord } from './records.js';

export interface ScheduleRow {
  type: TestType;
  every_ms: number;
  last_at: string | null;
  last_passed: boolean | null;
  due_at: string;
  state: 'ok' | 'due' | 'overdue' | 'never run';
}

/** Which of the plan's test types are due: each is due `every` after its last run (passed or not). */
export function scheduleRows(config: DrillsConfig, records: DrillRecord[], now: number): ScheduleRow[] {
  return TEST_TYPES.map((type) => {
    const every = config.schedule[type];
    const last = records.filter((r) => r.type === type).at(-1) ?? null;
    if (!last) return { type, every_ms: every, last_at: null, last_passed: null, due_at: new Date(now).toISOString(), state: 'never run' as const };
    const due = last.at + every;
    // Due within the last tenth of the period; overdue once it has passed.
    const state = now > due ? ('overdue' as const) : now > due - every / 10 ? ('due' as const) : ('ok' as const);
    return { type, every_ms: every, last_at: new Date(last.at).toISOString(), last_passed: last.passed, due_at: new Date(due).toISOString(), state };
  });
}
