import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import Database from 'better-sqlite3';
import { LEADER_LEASE } from '../../src/cluster/index.js';
import { openStore } from '../../src/store/index.js';
import { connectV1 } from '../support/clients.js';
import { startCluster, stopCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { startHaproxy } from '../support/haproxy.js';
import { onBothStores } from '../support/stores.js';

/**
 * SIGSTOPs `child` at a moment it holds no write lock on the SQLite file. A process paused inside a
 * write transaction keeps the file's lock, and every other process's writes wait for it until it
 * resumes: on one SQLite file nothing can route around that (README, "Clusters"). This test is about
 * routing around a paused peer, so when the pause caught the lock it resumes the node and pauses again.
 */
async function pauseOutsideWrite(child: ChildProcess, storeUrl: string): Promise<void> {
  if (!storeUrl.startsWith('sqlite:')) {
    child.kill('SIGSTOP');
    return;
  }
  const db = new Database(storeUrl.slice('sqlite:'.length));
  try {
    db.pragma('busy_timeout = 250');
    for (let attempt = 1; ; attempt++) {
      child.kill('SIGSTOP');
      try {
        db.exec('BEGIN IMMEDIATE; ROLLBACK');
        return;
      } catch (err) {
        if (attempt >= 20 || !/locked|busy/i.test((err as Error).message)) throw err;
        child.kill('SIGCONT');
        await new Promise((r) => setTimeout(r, 50)); // let it finish that transaction before the next try
      }
    }
  } finally {
    db.close();
  }
}

/** The paused node is marked down and routed around; resumed, it cannot act on its stale lease. */
async function pauseAndResume(storeUrl: string): Promise<void> {
  const nodes = await startCluster(3, storeUrl);
  const lb = await startHaproxy(nodes.map((n) => ({ id: n.id, port: n.port })));
  const store = await openStore(storeUrl);
  const client = await connectV1(lb.url);
  try {
    const leader = await eventually(async () => {
      const lease = await store.leases.get(LEADER_LEASE);
      assert.ok(lease && lease.expiresAt > (await store.now()), 'a leader holds the lease');
      return lease!;
    });
    const victim = nodes.find((n) => n.id === leader.holder)!;
    await pauseOutsideWrite(victim.proc!.child, storeUrl);
    try {
      // Another node takes the lease with a higher epoch, and the paused node shows as down.
      const next = await eventually(async () => {
        const lease = await store.leases.get(LEADER_LEASE);
        assert.ok(lease && lease.holder !== victim.id && lease.epoch > leader.epoch, `lease moved on: ${JSON.stringify(lease)}`);
        return lease!;
      }, 10_000);
      await eventually(async () => {
        const now = await store.now();
        const v = (await store.nodes.list()).find((n) => n.id === victim.id)!;
        assert.ok(now - v.lastHeartbeat > 600, 'the paused node is no longer heartbeating');
      });
      // Clients carry on through the balancer while the node is paused.
      for (let i = 0; i < 20; i++) {
        const r = await client.client.callTool({ name: 'echo', arguments: { text: `paused ${i}` } });
        assert.deepEqual(r.content, [{ type: 'text', text: `paused ${i}` }]);
      }
      assert.ok(next.epoch > leader.epoch);
    } finally {
      victim.proc!.child.kill('SIGCONT');
    }
    // Resumed, the old leader must not write under its old epoch once a newer one has written.
    await eventually(async () => {
      const v = (await store.nodes.list()).find((n) => n.id === victim.id)!;
      assert.ok((await store.now()) - v.lastHeartbeat < 600, 'resumed node heartbeats again');
    });
    const history = await store.leases.history(LEADER_LEASE);
    let highest = 0;
    for (const h of history) {
      assert.ok(h.epoch >= highest, `a write with epoch ${h.epoch} landed after one with epoch ${highest}`);
      highest = h.epoch;
    }
    assert.ok(new Set(history.map((h) => h.epoch)).size >= 2, 'the history spans the handover');
  } finally {
    await client.client.close().catch(() => undefined);
    await store.close();
    await lb.stop();
    await stopCluster(nodes);
  }
}

onBothStores('gray failure: SIGSTOP a node, then SIGCONT', pauseAndResume);
