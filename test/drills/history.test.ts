import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { drillsConfigSchema } from '../../src/drills/config.js';
import { listRecords, recordFromResult, saveRecord } from '../../src/drills/history/records.js';
import { scheduleRows } from '../../src/drills/history/schedule.js';
import { htmlReport } from '../../src/drills/report/html.js';
import { markdownReport } from '../../src/drills/report/markdown.js';
import type { DrillResult } from '../../src/drills/runner/result.js';
import { judge } from '../../src/drills/runner/result.js';
import { openStore } from '../../src/store/index.js';

const DAY = 86_400_000;

function result(over: Partial<DrillResult> = {}): DrillResult {
  const criteria = judge(
    [
      { name: 'Failover', metric: 'failover_ms', plan: { op: '<', value: 5000, text: '< 5000' }, goal: { op: '<=', value: 1000, text: '<= 1000' } },
      { name: 'Error rate', metric: 'error_rate', plan: { op: '<', value: 0.1, text: '< 0.1' } },
    ],
    { failover_ms: 1200, error_rate: 0.0004, interruption_ms: null, recovery_ms: null, restore_ms: null, sessions_lost: 0, subscriptions_lost: 0, requests_failed: 0, acknowledged_writes_lost: 0, write_outage_ms: null, steady_state_deviated: null, activities_failed: 0 },
    'goal',
  );
  return {
    id: 'r1', scenario: 'single-node-failure', title: 'Single <node> failure', kind: 'chaos', status: 'completed', passed: false, against: 'goal',
    started_at: new Date(10 * DAY).toISOString(), ended_at: new Date(10 * DAY + 60_000).toISOString(), duration_ms: 60_000, scale: 1, target: 'local',
    load: { sessions: 10, subscribed: 0.5, workers: 2, modern: 0.2, new_sessions_per_second: 1 }, criteria,
    failover_ms: 1200, interruption_ms: 100, recovery_ms: 3000, restore_ms: 5000, sessions_total: 12, sessions_lost: 0, subscriptions_total: 5, subscriptions_lost: 0,
    requests_total: 2500, requests_failed: 1, error_rate: 0.0004, acknowledged_writes_total: 2, acknowledged_writes_lost: 0, write_outage_ms: null,
    steady_state: { before: true, after: true, deviated: 0 }, steady_state_p99_ms: 12,
    timeline: [{ t: 0, requests: 100, failed: 0, p50_ms: 3, p99_ms: 9 }, { t: 1, requests: 80, failed: 1, p50_ms: 4, p99_ms: 900 }],
    markers: [{ t_ms: 1200, name: 'kill -9 node-1', kind: 'fault' }, { t_ms: 1800, name: 'restart node-1', kind: 'revert' }],
    journal: { run: [], rollbacks: [], steady_states: { before: [], after: [] } }, problems: [], node_logs: {},
    ...over,
  };
}

describe('drill results, history and schedule', () => {
  it('judges criteria against our goal by default, and keeps the plan verdict beside it (error rate in percent)', () => {
    const r = result();
    assert.deepEqual(
      r.criteria.map((c) => [c.name, c.target, c.measured, c.passed, c.plan_passed, c.goal_passed]),
      [
        ['Failover', '<= 1000', 1200, false, true, false],
        ['Error rate', '< 0.1', 0.04, true, true, null],
      ],
    );
  });

  it('reports: Markdown has the criteria table; HTML is self-contained with a chart and escapes text', () => {
    const md = markdownReport(result());
    assert.match(md, /\| Failover \| < 5000 ms \| <= 1000 ms \| 1200 ms \| \*\*FAIL\*\* \|/);
    const html = htmlReport(result());
    assert.match(html, /<svg[^>]*>/);
    assert.match(html, /kill -9 node-1/);
    assert.ok(!/<script|src=|href=/.test(html), 'no scripts or external files');
    assert.ok(html.includes('Single &#60;node&#62; failure'));
  });

  it('records results as control events and lists them; the schedule says what is due', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await store.migrate();
      await saveRecord(store, recordFromResult(result(), '/tmp/x'), 'cli:test', 10 * DAY);
      await saveRecord(store, { ...recordFromResult(result({ id: 'r2', kind: 'dr', started_at: new Date(1 * DAY).toISOString() }), null) }, 'cli:test', DAY);
      await assert.rejects(saveRecord(store, recordFromResult(result(), null), 'cli:test', 10 * DAY), 'one record per drill id');
      const records = await listRecords(store);
      assert.deepEqual(records.map((r) => [r.id, r.type]), [['r2', 'dr'], ['r1', 'chaos']]);
      const rows = scheduleRows(drillsConfigSchema.parse({}), records, 12 * DAY);
      assert.deepEqual(rows.map((r) => [r.type, r.state]), [['chaos', 'ok'], ['drill', 'never run'], ['dr', 'ok'], ['tabletop', 'never run']]);
      const later = scheduleRows(drillsConfigSchema.parse({}), records, 17.5 * DAY);
      assert.equal(later[0].state, 'overdue', 'weekly chaos drill last run 7.5 days ago');
    } finally {
      await store.close();
    }
  });
});
