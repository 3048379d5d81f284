import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decide, PartitionTracker, type Observation } from '../../src/cluster/partition.js';

const T = { shortMs: 30_000, longMs: 60_000, quorumBy: 'nodes' as const };
const members = ['a', 'b', 'c', 'd', 'e'].map((id, i) => ({ id, region: i < 3 ? 'eu' : 'us' }));
const sees = (self: string, reachable: string[], storeReachable = true): Observation => ({ self, members, reachable, storeReachable });

describe('partition policy (the plan: < 30 s ride out, 30-60 s quorum, > 60 s fail over)', () => {
  it('no partition: operate', () => {
    assert.deepEqual(decide(sees('a', ['a', 'b', 'c', 'd', 'e']), null, T).action, 'operate');
  });

  for (const [ms, band] of [[20_000, 'short'], [45_000, 'quorum'], [90_000, 'long']] as const) {
    it(`${ms / 1000} s: band ${band}, majority keeps working`, () => {
      const d = decide(sees('a', ['a', 'b', 'c']), ms, T);
      assert.equal(d.band, band);
      assert.equal(d.side, 'majority');
      assert.equal(d.action, 'operate');
    });
  }

  it('minority: operates under 30 s, stops new work at 30-60 s, fails over past 60 s', () => {
    assert.equal(decide(sees('d', ['d', 'e']), 20_000, T).action, 'operate');
    assert.equal(decide(sees('d', ['d', 'e']), 45_000, T).action, 'stop-new-work');
    assert.equal(decide(sees('d', ['d', 'e']), 90_000, T).action, 'failover');
  });

  it('a node that cannot reach the store is alone: a minority', () => {
    const d = decide(sees('a', ['a'], false), 45_000, T);
    assert.equal(d.side, 'minority');
    assert.match(d.reason, /store unreachable/);
  });

  it('counts regions when configured: a region with any reachable node counts', () => {
    const byRegion = { ...T, quorumBy: 'regions' as const };
    // 'us' cut off: from 'a', eu is 1 of 2 regions -> not a majority of regions.
    assert.equal(decide(sees('a', ['a', 'b', 'c']), 45_000, byRegion).side, 'minority');
    assert.equal(decide(sees('a', ['a', 'd']), 45_000, byRegion).side, 'whole');
  });

  it('the tracker measures how long the split lasts and reports changes once', () => {
    const t = new PartitionTracker(T);
    assert.equal(t.observe(sees('d', ['d', 'e']), 1_000).changed, true);
    assert.equal(t.observe(sees('d', ['d', 'e']), 20_000).changed, false);
    const q = t.observe(sees('d', ['d', 'e']), 31_001);
    assert.equal(q.changed, true);
    assert.equal(q.decision.action, 'stop-new-work');
    assert.equal(t.observe(sees('d', ['d', 'e']), 61_001).decision.action, 'failover');
    const healed = t.observe(sees('d', ['a', 'b', 'c', 'd', 'e']), 62_000);
    assert.equal(healed.decision.band, 'none');
    assert.equal(t.observe(sees('d', ['d', 'e']), 63_000).decision.band, 'short', 'a new split starts its clock again');
  });
});
