/**
 * The plain-replication failover runbook on a real primary with two standbys in synchronous mode
 * (synchronous_standby_names = 'FIRST 1 (standby1)'): it refuses the unsafe promotion (standby2 may
 * lack acknowledged commits) and performs the safe one step by step, leaving standby2 following the
 * new primary as its synchronous standby. Also: the plan's two replication queries, corrected, run
 * and checked (and the plan's originals shown to fail).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { runFailover } from '../../src/database/failover.js';
import { ensureHeartbeatTable, writeHeartbeat } from '../../src/database/heartbeat.js';
import { startReplicatedCluster, type ReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { lagSignal, readReplicationStatus, REPLICATION_QUERIES } from '../../src/database/replication.js';
import { eventually } from '../support/eventually.js';

describe('failover runbook (plain streaming replication, synchronous, two standbys)', () => {
  let db: ReplicatedCluster;
  let primary: postgres.Sql;
  let standby1: postgres.Sql;
  before(async () => {
    db = await startReplicatedCluster({ sync: true, standbys: 2 });
    primary = postgres(db.primaryUrl, { max: 1, onnotice: () => {} });
    standby1 = postgres(db.standbyUrl, { max: 1, onnotice: () => {} });
  });
  after(async () => {
    await primary?.end({ timeout: 1 });
    await standby1?.end({ timeout: 1 });
    await db?.stop();
  });

  it('runs the replication queries the plan meant (its own two are invalid)', async () => {
    await assert.rejects(primary.unsafe(`SELECT now() - pg_last_xact_commit('replication_user')`), { code: '42883' });
    await assert.rejects(primary.unsafe('SELECT is_primary FROM pg_is_in_recovery()'), { code: '42703' });

    await ensureHeartbeatTable(primary);
    await writeHeartbeat(primary);
    const lag = await primary.unsafe(REPLICATION_QUERIES.lagOnPrimary);
    assert.deepEqual(lag.map((r) => [r.application_name, r.sync_state]).sort(), [['standby1', 'sync'], ['standby2', 'async']]);
    for (const r of lag) assert.ok(Number(r.lag_bytes) >= 0);
    const [{ replication_delay }] = await standby1.unsafe(REPLICATION_QUERIES.delayOnStandby);
    assert.notEqual(replication_delay, null, 'the standby has replayed a commit (the heartbeat)');
    assert.deepEqual([...(await primary.unsafe(REPLICATION_QUERIES.isPrimary))], [{ is_primary: true }]);
    assert.deepEqual([...(await standby1.unsafe(REPLICATION_QUERIES.isPrimary))], [{ is_primary: false }]);

    // The status the CLI, metrics and incident signal use: heartbeat-based lag, RPO 0 in sync mode.
    await writeHeartbeat(primary);
    const status = await eventually(async () => {
      const s = await readReplicationStatus(primary, { standby1 });
      assert.equal(s.standbys.find((x) => x.name === 'standby1')?.lagSeconds, 0);
      return s;
    });
    assert.equal(status.synchronous, true);
    assert.equal(status.rpoEstimateSeconds, 0);
    assert.deepEqual(status.standbys.map((s) => [s.name, s.state, s.syncState]), [['standby1', 'streaming', 'sync'], ['standby2', 'streaming', 'async']]);
    assert.equal(lagSignal(status, 1).firing, false);
  });

  it('refuses to promote a standby that may lack acknowledged commits, and says why', async () => {
    await db.killPrimary();
    const report = await runFailover({ url: db.multiHostUrl, to: 'standby2' });
    assert.equal(report.outcome, 'refused');
    assert.match(report.reason!, /standby2 is not a synchronous standby: it may lack commits acknowledged to clients/);
    assert.match(report.reason!, /--force/);
    assert.deepEqual(report.steps.map((s) => [s.name, s.ok]), [['check-replication', true], ['fence-old-primary', true], ['verify-standby', false]]);
    // Nothing was promoted: both are still standbys.
    assert.equal(await db.currentPrimary(), null);
  });

  it('performs the safe promotion step by step; the other standby follows the new primary synchronously', async () => {
    const seen: string[] = [];
    const report = await runFailover({ url: db.multiHostUrl, onStep: (s) => seen.push(s.name) });
    assert.equal(report.outcome, 'promoted', report.reason);
    assert.equal(report.mayHaveLostCommits, false);
    const order = ['check-replication', 'fence-old-primary', 'verify-standby', 'promote', 'reconfigure', 'repoint-nodes', 'verify-writes'];
    assert.deepEqual(seen, order);
    assert.deepEqual(report.steps.map((s) => s.name), order);
    for (const s of report.steps) {
      assert.equal(s.ok, true, `${s.name}: ${s.detail}`);
      assert.ok(s.ms >= 0 && !Number.isNaN(Date.parse(s.startedAt)));
    }
    assert.match(report.steps[2].detail, /standby1 is a synchronous standby/);
    assert.equal(report.to, `127.0.0.1:${db.hosts[1].port}`);
    assert.equal((await db.currentPrimary())?.name, 'standby1');

    // standby2 now streams from standby1, as its synchronous standby: RPO 0 again.
    const status = await eventually(async () => {
      const s = await readReplicationStatus(standby1);
      assert.deepEqual(s.standbys.map((x) => [x.name, x.state, x.syncState]), [['standby2', 'streaming', 'sync']]);
      return s;
    }, 20_000, 100);
    assert.equal(status.rpoEstimateSeconds, 0);
    assert.equal(status.primary.timeline, 2);
  });
});
