import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SMALL, spawnDrill } from './run-drill.js';

describe('built-in drill at reduced size (real PostgreSQL primary and synchronous standby)', () => {
  it('database-failover: the primary killed with SIGKILL, the runbook promotes, no acknowledged write lost', async () => {
    const { code, result, stderr } = await spawnDrill(['database-failover', '--scale', '0.2', ...SMALL]).done;
    assert.ok(result, stderr);
    assert.equal(result.status, 'completed', `${result.error ?? ''} ${result.problems.join('; ')}`);
    for (const key of ['scenario', 'passed', 'criteria', 'failover_ms', 'sessions_total', 'sessions_lost', 'requests_total', 'requests_failed', 'error_rate', 'recovery_ms', 'acknowledged_writes_lost', 'timeline']) {
      assert.ok(key in result, key);
    }
    const [kill, promote] = result.journal.run;
    assert.equal(kill.status, 'succeeded', kill.error);
    assert.equal(promote.status, 'succeeded', promote.error);
    assert.equal((promote.output as { may_have_lost_commits: boolean }).may_have_lost_commits, false, 'synchronous mode: nothing acknowledged can be missing');
    assert.equal(result.acknowledged_writes_lost, 0);
    assert.equal(result.sessions_lost, 0, result.problems.join('\n'));
    assert.ok(result.acknowledged_writes_total > 0);
    assert.equal(typeof result.write_outage_ms, 'number');
    assert.equal(code, result.passed ? 0 : 1);
  });
});
