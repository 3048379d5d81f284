/**
 * Automatic failover (plain mode): the decision rule, and the trigger on a real primary + standby with
 * two Continuum node processes voting through /readyz. The trigger here plays the cluster's leader
 * (it is given isLeader); a minority never promotes.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { AutoFailover, shouldFailOver, type Member } from '../../src/database/auto-failover.js';
import { databaseConfigSchema } from '../../src/database/config.js';
import { startReplicatedCluster, type ReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { DatabaseMonitor, type DatabaseView } from '../../src/database/monitor.js';
import { startCluster, stopCluster, type ClusterNode } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';

const silent = pino({ level: 'silent' });
const view = (state: DatabaseView['state'], noPrimarySince: number | null): DatabaseView => ({ state, primary: null, reason: '', probes: [], replication: null, lag: null, noPrimarySince, at: 0 });
const members: Member[] = ['a', 'b', 'c'].map((id) => ({ id, region: 'local', url: `http://${id}` }));
const base = { wasLeaderAtLoss: true, armed: true, now: 10_000, confirmAfterMs: 2000, members, self: { id: 'a', region: 'local' }, quorumBy: 'nodes' as const };

describe('automatic failover: the decision', () => {
  it('runs only for the last leader, after confirmAfter, with a quorum agreeing', () => {
    assert.equal(shouldFailOver({ ...base, view: view('no-primary', 7000), agreeing: ['b'] }).run, true);
    assert.match(shouldFailOver({ ...base, view: view('no-primary', 9000), agreeing: ['b'] }).reason, /waiting 2000 ms/);
    assert.match(shouldFailOver({ ...base, view: view('no-primary', 7000), agreeing: [] }).reason, /minority never promotes/);
    assert.match(shouldFailOver({ ...base, wasLeaderAtLoss: false, view: view('no-primary', 7000), agreeing: ['b', 'c'] }).reason, /not the leader/);
    assert.match(shouldFailOver({ ...base, armed: false, view: view('no-primary', 7000), agreeing: ['b', 'c'] }).reason, /already ran/);
    // Silent hosts look like a partition, not a dead primary: the partition policy decides then.
    assert.equal(shouldFailOver({ ...base, view: view('unknown', 7000), agreeing: ['b', 'c'] }).run, false);
    assert.equal(shouldFailOver({ ...base, view: view('primary', null), agreeing: ['b', 'c'] }).run, false);
  });

  it('counts regions when the partition policy does', () => {
    const byRegion: Member[] = [
      { id: 'a', region: 'eu', url: '' },
      { id: 'b', region: 'eu', url: '' },
      { id: 'c', region: 'us', url: '' },
      { id: 'd', region: 'ap', url: '' },
    ];
    const d = shouldFailOver({ ...base, members: byRegion, quorumBy: 'regions', view: view('no-primary', 0), agreeing: ['b'] });
    assert.equal(d.run, false, 'two nodes, but one region of three');
    assert.equal(shouldFailOver({ ...base, members: byRegion, quorumBy: 'regions', view: view('no-primary', 0), agreeing: ['c'] }).run, true);
  });
});

describe('automatic failover on a real primary loss', () => {
  let db: ReplicatedCluster;
  let nodes: ClusterNode[];
  before(async () => {
    db = await startReplicatedCluster({ sync: true });
    nodes = await startCluster(2, db.multiHostUrl, { env: { CONTINUUM_DATABASE_PROBE_EVERY: '200ms' } });
  });
  after(async () => {
    await stopCluster(nodes ?? []);
    await db?.stop();
  });

  it('the leader promotes the standby once the nodes agree; a node cut off from its peers never does', async () => {
    const config = databaseConfigSchema.parse({ probeEvery: '200ms', failover: { mode: 'auto', confirmAfter: '500ms' } });
    const monitor = new DatabaseMonitor({ url: db.multiHostUrl, config, log: silent, isLeader: () => true });
    const roster = (): Member[] => [{ id: 'leader', region: 'local', url: '' }, ...nodes.map((n) => ({ id: n.id, region: 'local', url: n.url }))];
    const make = (askPeers?: () => Promise<{ id: string; state: string | null }[]>) =>
      new AutoFailover({ url: db.multiHostUrl, config, self: { id: 'leader', region: 'local' }, isLeader: () => true, view: () => monitor.view, probe: () => monitor.tick(), members: roster, quorumBy: 'nodes', log: silent, askPeers });
    const isolated = make(async () => nodes.map((n) => ({ id: n.id, state: null }))); // its peers do not answer
    const leader = make();
    try {
      await isolated.observe(await monitor.tick());
      await leader.observe(await monitor.tick());
      await db.killPrimary();
      const report = await eventually(async () => {
        const v = await monitor.tick();
        const r = await leader.observe(v);
        // The isolated node judges the same view after the leader did: past confirmAfter whenever the
        // leader acted, so its refusal is the quorum rule, not the wait.
        assert.equal(await isolated.observe(v), null);
        assert.ok(r, leader.last?.decision.reason ?? 'not yet');
        return r;
      }, 20_000, 100);
      assert.match(isolated.last?.decision.reason ?? '', /minority never promotes/);
      assert.equal(report.outcome, 'promoted', report.reason);
      assert.equal(report.to, `127.0.0.1:${db.hosts[1].port}`);
      // Once a primary answers again the trigger re-arms; nothing runs while it does.
      assert.equal(await leader.observe(await monitor.tick()), null);
      await eventually(async () => {
        for (const n of nodes) assert.equal((await fetch(n.url.replace('/mcp', '/readyz'))).status, 200);
      }, 15_000, 100);
    } finally {
      await monitor.stop();
    }
  });
});
