import type { DrillResult } from '../runner/result.js';

const fmt = (v: number | null, unit: string) => (v === null ? 'not measured' : unit === '%' ? `${v} %` : `${v} ${unit}`);

/** The success-criteria table: criterion, plan target, our goal, measured, pass/fail. */
export function criteriaTable(r: DrillResult): string {
  const rows = r.criteria.map(
    (c) =>
      `| ${c.name} | ${c.plan ? `${c.plan} ${c.unit}` : '-'} | ${c.goal ? `${c.goal} ${c.unit}` : '-'} | ${fmt(c.measured, c.unit)} | ${c.passed ? 'pass' : '**FAIL**'} |`,
  );
  return ['| Criterion | Plan target | Our goal | Measured | Result |', '| --- | --- | --- | --- | --- |', ...rows].join('\n');
}

/** A Markdown report of one drill. */
export function markdownReport(r: DrillResult): string {
  const lines = [
    `# Drill: ${r.title} (${r.scenario})`,
    '',
    `${r.passed ? '**PASSED**' : '**FAILED**'} against ${r.against === 'plan' ? "the plan's targets" : 'our goals'}; status ${r.status}. ` +
      `Started ${r.started_at}, ${(r.duration_ms / 1000).toFixed(1)} s; scale ${r.scale}.`,
    '',
    `Target: ${r.target}. Load: ${r.load.sessions} sessions (${Math.round(r.load.subscribed * 100)} % subscribed), ${r.load.workers} workers, ` +
      `${Math.round(r.load.modern * 100)} % 2026-era requests, ${r.load.new_sessions_per_second} new sessions/s.`,
    '',
    '## Success criteria',
    '',
    criteriaTable(r),
    '',
    '## Measured',
    '',
    `- failover (client-visible): ${fmt(r.failover_ms, 'ms')}; longest service interruption: ${fmt(r.interruption_ms, 'ms')}; recovery: ${fmt(r.recovery_ms, 'ms')}; restored (revert done): ${fmt(r.restore_ms, 'ms')}`,
    `- sessions: ${r.sessions_lost} lost of ${r.sessions_total}; subscriptions: ${r.subscriptions_lost} lost of ${r.subscriptions_total}`,
    `- requests: ${r.requests_failed} failed of ${r.requests_total} (${(r.error_rate * 100).toFixed(3)} %); steady-state p99 ${r.steady_state_p99_ms} ms`,
    `- acknowledged writes: ${r.acknowledged_writes_lost ?? 'not checked'} lost of ${r.acknowledged_writes_total}; write outage ${fmt(r.write_outage_ms, 'ms')}`,
    `- steady-state hypothesis: before ${label(r.steady_state.before)}, after ${label(r.steady_state.after)}`,
    '',
    '## Timeline',
    '',
    '| t (ms) | Event |',
    '| --- | --- |',
    ...r.markers.map((m) => `| ${m.t_ms} | ${m.kind}: ${m.name} |`),
  ];
  if (r.problems.length || r.error) {
    lines.push('', '## Problems', '', ...(r.error ? [`- error: ${r.error}`] : []), ...r.problems.map((p) => `- ${p}`));
  }
  return lines.join('\n') + '\n';
}

const label = (v: boolean | null) => (v === null ? 'not checked' : v ? 'held' : 'deviated');
