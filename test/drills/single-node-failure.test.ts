import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assertShape, SMALL, spawnDrill } from './run-drill.js';

describe('built-in drill at reduced size (real processes, signals and cuts)', () => {
  it('single-node-failure: each node killed with SIGKILL in turn', async () => {
    const { code, result } = await spawnDrill(['single-node-failure', '--scale', '0.1', ...SMALL]).done;
    assert.ok(result, 'JSON on stdout');
    assertShape(result, 'single-node-failure');
    assert.equal(result.markers.filter((m) => m.kind === 'fault').length, 3);
    assert.ok(result.failover_ms! > 0);
    assert.equal(code, result.passed ? 0 : 1);
  });
});
