/** Burn-rate alerting on availability and latency objectives, and partition decisions as signals. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { classify } from '../../src/incidents/signal.js';
import { availabilityFrom, BurnHistory, BurnRateProbe, DEFAULT_BURN_WINDOWS, latencyFrom, type Counts } from '../../src/incidents/objectives.js';
import { PartitionProbe } from '../../src/incidents/partition-probe.js';
import { ReplicationLagProbe } from '../../src/incidents/replication-probe.js';
import { parseConfig } from '../../src/config/index.js';
import { NodeMetrics } from '../../src/metrics/index.js';
import type { Decision } from '../../src/cluster/partition.js';
import { T0 } from '../support/control.js';

const SECOND = 1000;
const MINUTE = 60 * SECOND;

/** Traffic at `rps` requests a second with a bad share `badShare`, probed every 10 s for `ms`; the last
 * round's observations. */
async function drive(clock: ManualClock, counts: Counts, probe: BurnRateProbe, ms: number, rps: number, badShare: number) {
  let last: Awaited<ReturnType<BurnRateProbe['run']>> = [];
  for (let t = 0; t < ms; t += 10 * SECOND) {
    clock.advance(10 * SECOND);
    counts.total += rps * 10;
    counts.bad += Math.round(rps * 10 * badShare);
    last = await probe.run();
  }
  return last;
}

describe('error-budget burn rate', () => {
  it('a total outage pages within about a minute; a 1 % error rate at 99.9 % pages only on the slow pair', async () => {
    const clock = new ManualClock(T0);
    const counts = { total: 0, bad: 0 };
    const probe = new BurnRateProbe({ name: 'availability', target: 0.999, read: async () => ({ ...counts }), describe: '5xx' }, DEFAULT_BURN_WINDOWS, 20, clock);
    const healthy = await drive(clock, counts, probe, 30 * MINUTE, 10, 0);
    assert.equal(healthy[0].ok, true);
    let firstBurnAfter = -1;
    for (let i = 1; i <= 30 && firstBurnAfter < 0; i++) {
      const [o] = await drive(clock, counts, probe, 10 * SECOND, 10, 1);
      if (!o.ok) firstBurnAfter = i * 10;
    }
    assert.ok(firstBurnAfter > 0 && firstBurnAfter <= 60, `total outage detected after ${firstBurnAfter} s`);
    // Recovery: the fast pair clears with its 5-minute window; the slow pair holds the signal until the
    // outage leaves its 30-minute window.
    const [after6m] = await drive(clock, counts, probe, 6 * MINUTE, 10, 0);
    assert.match(after6m.summary, /over 6 h and .* over 30 min/);
    const [after31m] = await drive(clock, counts, probe, 25 * MINUTE, 10, 0);
    assert.equal(after31m.ok, true);

    // 1 % errors = 10x the 0.1 % budget: above 6x (slow pair), below 14.4x (fast pair).
    const slowClock = new ManualClock(T0);
    const slow = { total: 0, bad: 0 };
    const slowProbe = new BurnRateProbe({ name: 'availability', target: 0.999, read: async () => ({ ...slow }), describe: '5xx' }, DEFAULT_BURN_WINDOWS, 20, slowClock);
    const [o] = await drive(slowClock, slow, slowProbe, 5 * MINUTE, 10, 0.01);
    assert.equal(o.ok, false);
    assert.match(o.summary, /10\.0x over 6 h and 10\.0x over 30 min \(alert above 6x/);
  });

  it('stays quiet at low traffic', async () => {
    const clock = new ManualClock(T0);
    const counts = { total: 0, bad: 0 };
    const probe = new BurnRateProbe({ name: 'availability', target: 0.999, read: async () => ({ ...counts }), describe: '5xx' }, DEFAULT_BURN_WINDOWS, 20, clock);
    assert.deepEqual(await drive(clock, counts, probe, 5 * MINUTE, 0.02, 1), []);
  });

  it('the history keeps one sample per resolution step and answers windows from it', () => {
    const h = new BurnHistory(60 * MINUTE, 10 * SECOND);
    for (let s = 0; s <= 600; s++) h.add(T0 + s * SECOND, { total: s * 10, bad: s });
    assert.deepEqual(h.window(5 * MINUTE), { total: 3000, bad: 300 });
    assert.deepEqual(h.window(2 * 60 * MINUTE), { total: 6000, bad: 600 }, 'younger than the window: from the oldest sample');
  });

  it('reads availability and latency from the node metrics', async () => {
    const m = new NodeMetrics({ node: 't' });
    for (let i = 0; i < 8; i++) m.httpRequests.inc({ route: 'mcp', method: 'POST', status: '200' });
    for (let i = 0; i < 2; i++) m.httpRequests.inc({ route: 'mcp', method: 'POST', status: '503' });
    m.httpRequests.inc({ route: 'healthz', method: 'GET', status: '500' });
    assert.deepEqual(await availabilityFrom(m.registry)(), { total: 10, bad: 2 });
    for (const s of [0.01, 0.2, 0.9, 1.5, 4]) m.mcpRequestSeconds.observe(s);
    assert.deepEqual(await latencyFrom(m.registry, 1)(), { total: 5, bad: 2 });
    assert.deepEqual(await latencyFrom(m.registry, 0.25)(), { total: 5, bad: 3 });
  });
});

describe('partition decisions as signals', () => {
  const decision = (band: Decision['band'], side: Decision['side'], action: Decision['action']): Decision => ({ band, side, action, durationMs: 45_000, reason: 'test' });
  const rules = parseConfig({}).incidents.rules;

  it('a short split is ridden out; quorum is P2 on both sides; a long one is P1', async () => {
    let current: Decision | null = null;
    const probe = new PartitionProbe(() => current, 'eu');
    assert.deepEqual(await probe.run(), []);
    current = decision('short', 'minority', 'operate');
    assert.equal((await probe.run())[0].ok, true);
    for (const [d, severity] of [
      [decision('quorum', 'minority', 'stop-new-work'), 'P2'],
      [decision('quorum', 'majority', 'operate'), 'P2'],
      [decision('long', 'minority', 'failover'), 'P1'],
    ] as const) {
      current = d;
      const [o] = await probe.run();
      assert.equal(o.ok, false);
      const c = classify({ kind: o.kind, key: o.key, source: 'probe', summary: o.summary, labels: o.labels ?? {}, components: o.components, at: T0 }, rules);
      assert.equal(c?.severity, severity, `${d.band}/${d.side}`);
    }
  });
});

describe('replication lag as a signal', () => {
  it('lag above the RPO target is P2; nothing to judge is silence', async () => {
    let reading: { firing: boolean; summary: string } | null = null;
    const probe = new ReplicationLagProbe(() => reading);
    assert.deepEqual(await probe.run(), []);
    reading = { firing: true, summary: 'standby s1 is 3.2 s behind (target 1 s)' };
    const [o] = await probe.run();
    assert.equal(o.ok, false);
    const c = classify({ kind: o.kind, key: o.key, source: 'probe', summary: o.summary, labels: {}, components: o.components, at: T0 }, parseConfig({}).incidents.rules);
    assert.equal(c?.severity, 'P2');
    reading = { firing: false, summary: 'within target' };
    assert.equal((await probe.run())[0].ok, true);
  });
});
