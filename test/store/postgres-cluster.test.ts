/**
 * PostgreSQL specifics of the bus: the LISTEN connection's life (one per store, closed with the last
 * subscriber or the store) and its recovery when the server drops it.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import type { BusMessage } from '../../src/store/port.js';
import { runFailover } from '../../src/database/failover.js';
import { startReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { freePort } from '../support/ports.js';

const databases: TestDatabase[] = [];

after(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('postgres: bus over LISTEN/NOTIFY', () => {
  it('holds one LISTEN connection per store while subscribed, and closes it with the last subscriber or the store', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    const listeners = async () => {
      const [{ n }] = await admin<{ n: number }[]>`
        SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'continuum-bus'`;
      return n;
    };
    try {
      await store.migrate();
      const u1 = await store.bus.subscribe(() => {});
      const u2 = await store.bus.subscribe(() => {});
      assert.equal(await listeners(), 1);
      await u1();
      assert.equal(await listeners(), 1);
      await u2();
      await waitFor('the LISTEN connection to close', async () => (await listeners()) === 0);

      await store.bus.subscribe(() => {});
      assert.equal(await listeners(), 1);
      await store.close();
      await waitFor('the LISTEN connection to close with the store', async () => (await listeners()) === 0);
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('listens again after the server kills its LISTEN connection, and tells subscribers they may have missed messages', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const peer = new PostgresStore(url);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await store.migrate();
      const received: BusMessage[] = [];
      let gaps = 0;
      const unsubscribe = await store.bus.subscribe((m) => void received.push(m), () => gaps++);
      await peer.bus.publish('test', { n: 0 });
      await waitFor('the first message', () => received.length === 1);
      assert.equal(gaps, 0, 'the first LISTEN is no gap');

      const [{ killed }] = await admin<{ killed: number }[]>`
        SELECT count(pg_terminate_backend(pid))::int AS killed FROM pg_stat_activity
         WHERE datname = current_database() AND application_name = 'continuum-bus'`;
      assert.equal(killed, 1);

      // Keep publishing until one gets through: the hints resume once postgres.js has re-listened.
      let n = 0;
      await waitFor('a message after the reconnect', async () => {
        await peer.bus.publish('test', { n: ++n });
        await new Promise((r) => setTimeout(r, 20));
        return received.some((m) => (m.payload.n as number) > 0);
      });
      const after = received.map((m) => m.payload.n as number);
      for (let i = 1; i < after.length; i++) assert.ok(after[i] > after[i - 1], `order after reconnect: ${after}`);
      await waitFor('the gap to be reported', () => gaps > 0);
      assert.equal(gaps, 1, 'one gap: the reconnect');
      await unsubscribe();
    } finally {
      await admin.end();
      await store.close();
      await peer.close();
    }
  });

  it('sends a burst in batches without losing, reordering or folding messages, identical ones included', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const peer = new PostgresStore(url);
    try {
      await store.migrate();
      const received: BusMessage[] = [];
      const unsubscribe = await store.bus.subscribe((m) => void received.push(m));
      // Published without waiting, as a busy node does: they queue and go out a batch per round trip.
      const sends: Promise<void>[] = [];
      for (let n = 0; n < 3000; n++) {
        sends.push(peer.bus.publish('burst', { n }));
        if (n % 1000 === 0) sends.push(peer.bus.publish('burst', { same: true }), peer.bus.publish('burst', { same: true }));
      }
      await Promise.all(sends);
      await waitFor('every message', () => received.length === sends.length, 30_000);
      const ns = received.filter((m) => m.payload.n !== undefined).map((m) => m.payload.n as number);
      assert.deepEqual(ns, Array.from({ length: 3000 }, (_, n) => n));
      assert.equal(received.filter((m) => m.payload.same === true).length, 6);
      // The identical pairs arrive where they were published: right after n = 0, 1000 and 2000.
      const at = received.findIndex((m) => m.payload.same === true);
      assert.equal(received[at - 1].payload.n, 0);
      await unsubscribe();
    } finally {
      await store.close();
      await peer.close();
    }
  });

  it('ignores notifications on its channel that are not bus messages', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await store.migrate();
      const received: BusMessage[] = [];
      const unsubscribe = await store.bus.subscribe((m) => void received.push(m));
      await admin`SELECT pg_notify('continuum_bus', 'not json'), pg_notify('continuum_bus', '{"channel":1}')`;
      await store.bus.publish('test', { ok: true });
      await waitFor('the real message', () => received.length === 1);
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(received.map((m) => [m.seq, m.channel, m.payload]), [[1, 'test', { ok: true }]]);
      await unsubscribe();
    } finally {
      await admin.end();
      await store.close();
    }
  });

  it('moves its LISTEN connection to the new primary after a failover, even while the fenced old one still answers', async () => {
    // The corruption runbook's case: the old primary stays up, read-only, not in recovery; postgres.js's
    // own multi-host rule would listen there again, and hear nothing the nodes publish on the new one.
    const db = await startReplicatedCluster({ sync: true });
    const store = new PostgresStore(db.multiHostUrl);
    const peer = new PostgresStore(db.multiHostUrl);
    try {
      await store.migrate();
      const received: BusMessage[] = [];
      let gaps = 0;
      await store.bus.subscribe((m) => void received.push(m), () => gaps++);
      await peer.bus.publish('test', { n: 0 });
      await waitFor('the first message', () => received.length === 1);

      const report = await runFailover({ url: db.multiHostUrl });
      assert.equal(report.outcome, 'promoted', report.reason);
      assert.match(report.steps.find((s) => s.name === 'fence-old-primary')!.detail, /set read-only/);
      // The nodes' own traffic (heartbeats) is what shows their pool the primary moved.
      await store.ping();
      await store.sessions.countSessions();
      let n = 0;
      await waitFor(
        'a message published on the new primary',
        async () => {
          await peer.bus.publish('test', { n: ++n });
          await new Promise((r) => setTimeout(r, 50));
          return received.some((m) => (m.payload.n as number) > 0);
        },
        20_000,
      );
      // What was published between the old primary's fencing and the new LISTEN is gone: subscribers hear so.
      await waitFor('the gap to be reported', () => gaps > 0);
    } finally {
      await store.close();
      await peer.close();
      await db.stop();
    }
  });
});

describe('postgres: is the link to the store alive?', () => {
  it('says yes for a server that answers or refuses, and no only for a link that swallows everything', async () => {
    const url = await freshDatabase();
    const u = new URL(url);
    const proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const via = new URL(url);
    via.port = String(await proxy.start());
    const direct = new PostgresStore(url);
    const cut = new PostgresStore(via.toString());
    const refused = new URL(url);
    refused.port = String(await freePort());
    const down = new PostgresStore(refused.toString());
    try {
      assert.equal(await direct.linkAlive(2000), true);
      assert.equal(await cut.linkAlive(2000), true, 'through the proxy before the cut');
      proxy.cut();
      assert.equal(await cut.linkAlive(1000), false, 'the cut link answers nothing');
      assert.equal(await down.linkAlive(1000), true, 'a refused connection is an answer: the server is down for everyone');
      proxy.heal();
      assert.equal(await cut.linkAlive(2000), true, 'healed');
    } finally {
      await Promise.all([direct.close(), cut.close(), down.close()]);
      await proxy.stop();
    }
  });
});
