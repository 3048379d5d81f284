import type { Store } from '../../store/port.js';
import type { JsonObject } from '../../store/port.js';
import type { DrillResult } from '../runner/result.js';
import type { TestType } from '../config.js';

/** Drill records live in the control event log, one stream per drill or exercise. */
export const DRILL_STREAM_PREFIX = 'drill-';
export const DRILL_COMPLETED = 'drill.completed';
export const TABLETOP_RECORDED = 'drill.tabletop.recorded';

/** What history keeps of a drill: the verdict and headline figures (the full result is in its report). */
export interface DrillRecord {
  id: string;
  type: TestType;
  scenario: string;
  title: string;
  at: number;
  passed: boolean;
  status: string;
  failover_ms: number | null;
  recovery_ms: number | null;
  sessions_lost: number | null;
  error_rate: number | null;
  criteria: { name: string; target: string; measured: number | null; unit: string; passed: boolean }[];
  report: string | null;
  participants?: string[];
  findings?: string[];
  checklist?: { item: string; done: boolean }[];
}

export function recordFromResult(r: DrillResult, report: string | null): DrillRecord {
  return {
    id: r.id,
    type: r.kind,
    scenario: r.scenario,
    title: r.title,
    at: Date.parse(r.started_at),
    passed: r.passed,
    status: r.status,
    failover_ms: r.failover_ms,
    recovery_ms: r.recovery_ms,
    sessions_lost: r.sessions_lost,
    error_rate: r.error_rate,
    criteria: r.criteria.map((c) => ({ name: c.name, target: c.target, measured: c.measured, unit: c.unit, passed: c.passed })),
    report,
  };
}

/** Appends the record as an event (idempotent by drill id). */
export async function saveRecord(store: Store, rec: DrillRecord, actor: string, at: number): Promise<void> {
  await store.controlEvents.appendToStream(`${DRILL_STREAM_PREFIX}${rec.id}`, [
    { type: rec.type === 'tabletop' ? TABLETOP_RECORDED : DRILL_COMPLETED, data: rec as unknown as JsonObject, actor, at, idempotencyKey: `drill:${rec.id}` },
  ]);
}

/** Every drill and exercise recorded in the store, oldest first. */
export async function listRecords(store: Store): Promise<DrillRecord[]> {
  const out: DrillRecord[] = [];
  let after = 0;
  for (;;) {
    const page = await store.controlEvents.readAfter(after, 1000);
    if (page.length === 0) break;
    for (const e of page) if (e.streamId.startsWith(DRILL_STREAM_PREFIX) && (e.type === DRILL_COMPLETED || e.type === TABLETOP_RECORDED)) out.push(e.data as unknown as DrillRecord);
    after = page[page.length - 1].seq;
  }
  return out.sort((a, b) => a.at - b.at);
}
