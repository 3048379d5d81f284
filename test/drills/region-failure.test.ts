import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertShape, privatePostgres, SMALL, spawnDrill } from './run-drill.js';
import type { PrivateCluster } from '../support/postgres.js';

describe('built-in drill at reduced size (real processes, signals and cuts)', () => {
  let pg: PrivateCluster;
  before(async () => {
    pg = await privatePostgres();
  });
  after(() => pg.stop());

  it('region-failure: every node of a region killed at once (PostgreSQL store)', async () => {
    const { code, result } = await spawnDrill(['region-failure', '--scale', '0.2', '--postgres', pg.url, ...SMALL]).done;
    assert.ok(result);
    assertShape(result, 'region-failure');
    const killed = result.journal.run.find((r) => r.activity.startsWith('kill -9 every node'));
    assert.deepEqual((killed?.output as { killed: string[] }).killed, ['node-3', 'node-4']);
    assert.equal(code, result.passed ? 0 : 1);
  });
});
