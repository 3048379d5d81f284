import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, FAST_NODE_ENV, privatePostgres, SMALL, spawnDrill } from './run-drill.js';
import type { PrivateCluster } from '../support/postgres.js';

describe('built-in drill at reduced size (real processes, signals and cuts)', () => {
  let pg: PrivateCluster;
  before(async () => {
    pg = await privatePostgres();
  });
  after(() => pg.stop());

  it('network-partition: one cut in each band of the partition policy, each decision as the plan says', async () => {
    const env = FAST_NODE_ENV.flatMap((e) => ['--node-env', e]);
    const { code, result } = await spawnDrill(['network-partition', '--scale', '0.1', '--postgres', pg.url, ...env, ...SMALL]).done;
    assert.ok(result);
    assertShape(result, 'network-partition');
    assert.deepEqual(result.node_logs, {}, 'no node crashed');
    const probes = result.journal.run.filter((r) => r.type === 'probe');
    assert.equal(probes.length, 3);
    for (const p of probes) assert.equal(p.tolerance_met, true, `${p.activity}: ${JSON.stringify(p.output)}`);
    assert.equal(code, result.passed ? 0 : 1);
  });
});
