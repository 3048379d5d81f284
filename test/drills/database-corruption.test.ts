import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMALL, spawnDrill } from './run-drill.js';

describe('built-in drill at reduced size (real PostgreSQL primary and synchronous standby)', () => {
  it('database-corruption: bytes overwritten in a data file on disk, recovery verifies integrity and every acknowledged session', async () => {
    const { code, result, stderr } = await spawnDrill(['database-corruption', '--scale', '0.2', ...SMALL]).done;
    assert.ok(result, stderr);
    assert.equal(result.status, 'completed', `${result.error ?? ''} ${result.problems.join('; ')}`);
    const [corrupt, recover] = result.journal.run;
    assert.equal(corrupt.status, 'succeeded', corrupt.error);
    assert.equal((corrupt.output as { bytes: number }).bytes, 512);
    assert.equal(recover.status, 'succeeded', recover.error);
    assert.deepEqual({ ok: (recover.output as { ok: boolean }).ok, integrity: (recover.output as { integrity_ok: boolean }).integrity_ok, missing: (recover.output as { missing: number }).missing }, { ok: true, integrity: true, missing: 0 });
    assert.equal(result.acknowledged_writes_lost, 0);
    assert.equal(result.sessions_lost, 0, result.problems.join('\n'));
    assert.equal(typeof result.recovery_ms, 'number');
    assert.equal(code, result.passed ? 0 : 1);
  });
});
