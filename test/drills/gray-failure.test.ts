import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertShape, SMALL, spawnDrill } from './run-drill.js';

describe('built-in drill at reduced size (real processes, signals and cuts)', () => {
  it('gray-failure: a node stopped with SIGSTOP, then resumed', async () => {
    const { code, result } = await spawnDrill(['gray-failure', '--scale', '0.1', ...SMALL]).done;
    assert.ok(result);
    assertShape(result, 'gray-failure');
    const probe = result.journal.run.find((r) => r.activity === 'the paused node is not counted ready');
    assert.equal(probe?.output, 2, 'the paused node does not count as ready');
    assert.equal(code, result.passed ? 0 : 1);
  });
});
