import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { PrivateCluster } from '../support/postgres.js';
import { assertShape, privatePostgres, SMALL, spawnDrill } from './run-drill.js';

describe('built-in drill at reduced size (real processes, signals and cuts)', () => {
  let pg: PrivateCluster;
  before(async () => {
    pg = await privatePostgres();
  });
  after(() => pg.stop());

  it('gray-failure: a node stopped with SIGSTOP, then resumed', async () => {
    const { code, result } = await spawnDrill(['gray-failure', '--scale', '0.1', '--postgres', pg.url, ...SMALL]).done;
    assert.ok(result);
    assertShape(result, 'gray-failure');
    const probe = result.journal.run.find((r) => r.activity === 'the paused node is not counted ready');
    assert.equal(probe?.output, 2, 'the paused node does not count as ready');
    assert.equal(code, result.passed ? 0 : 1);
  });
});
