/**
 * Working while the store is down: with PostgreSQL stopped, detection still journals the failure and
 * pages a loopback receiver; the incident appears in the store once PostgreSQL is back, even when the
 * detecting node restarted meanwhile, with the page it sent in its timeline.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { startPrivateCluster, type PrivateCluster } from '../support/postgres.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { receivers, startControl } from '../support/control.js';

describe('detection while the store is down (PostgreSQL stopped and restarted)', () => {
  let cluster: PrivateCluster;
  let receiver: Receiver;
  let dir: string;
  before(async () => {
    cluster = await startPrivateCluster();
    receiver = await startReceiver();
    dir = mkdtempSync(join(tmpdir(), 'continuum-store-down-'));
  });
  after(async () => {
    await receiver.close();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const pgStop = () => cluster.runAsOwner('pg_ctl', ['-D', cluster.dataDir, '-m', 'immediate', '-w', 'stop']);
  const pgStart = () => cluster.runAsOwner('pg_ctl', ['-D', cluster.dataDir, '-l', join(cluster.dataDir, 'restart.log'), '-w', '-t', '60', 'start']);

  it('pages from the journal, and the incident reaches the store after it returns', async () => {
    const journal = join(dir, 'journal.jsonl');
    const config = { incidents: { journal, paging: { receivers: receivers(receiver) }, detection: { probeTimeout: 500 } } } as never;
    const store = new PostgresStore(cluster.url);
    const h = await startControl({ store, config });
    assert.deepEqual(await h.control.probes.runOnce(), [], 'the store answers at first');

    await pgStop();
    const [signal] = await h.control.probes.runOnce();
    assert.equal(signal.kind, 'store-unreachable');
    // The page went out before any store write was tried.
    await receiver.until((pages) => pages.some((p) => p.path === '/v2/enqueue'));
    const page = receiver.received.find((p) => p.path === '/v2/enqueue')!.body;
    assert.equal(page.dedup_key, 'continuum:probe:store');
    assert.equal((page.payload as { severity: string }).severity, 'error', 'P1 pages as error');
    assert.match(readFileSync(journal, 'utf8'), /"t":"page"/);

    // The node stops (a restart) while the store is still down: the signal stays in the journal.
    // Closing the store first ends its retries at once instead of waiting out their budget.
    await store.close();
    await h.close();
    const lines = readFileSync(journal, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { t: string });
    assert.deepEqual(lines.map((l) => l.t), ['signal', 'page']);

    await pgStart();
    const store2 = new PostgresStore(cluster.url);
    const h2 = await startControl({ store: store2, config, nodeId: 'node-a' });
    try {
      assert.equal(h2.control.detector.pendingCount, 1);
      assert.deepEqual(await h2.control.detector.reconcile(), { reconciled: 1, pending: 0 });
      const [inc] = await h2.control.incidents.list({ status: 'open' });
      assert.equal(inc.severity, 'P1');
      assert.equal(inc.dedupKey, 'continuum:probe:store');
      const { timeline } = (await h2.control.incidents.get(inc.id))!;
      const sent = timeline.filter((t) => t.type === 'incident.page_sent');
      assert.equal(sent.length, 1, 'the page sent from the journal is recorded, not sent again');
      assert.equal(receiver.received.filter((p) => p.path === '/v2/enqueue').length, 1);
      // Replaying again changes nothing.
      assert.deepEqual(await h2.control.detector.reconcile(), { reconciled: 0, pending: 0 });
      assert.equal((await h2.control.incidents.list()).length, 1);
    } finally {
      await h2.close();
      await store2.close();
    }
  });
});
