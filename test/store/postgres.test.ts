import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { PostgresStore, STORE_CONNECTION } from '../../src/store/postgres/index.js';
import { eventually } from '../support/eventually.js';
import { createTestDatabase, startPrivateCluster, type TestDatabase } from '../support/postgres.js';
import { clusterContract } from './cluster-contract.js';
import { storeContract } from './contract.js';
import { newEvent, sessionRecord } from './fixtures/records.js';

const databases: TestDatabase[] = [];

async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}

after(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

storeContract('postgres', async ({ clock }) => new PostgresStore(await freshDatabase(), { clock }));
clusterContract('postgres', async ({ clock }) => { const url = await freshDatabase(); return { store: new PostgresStore(url, { clock }), peer: async () => new PostgresStore(url, { clock }) }; });

describe('postgres: adapter specifics', () => {
  it('keeps the password out of its description', async () => {
    const store = new PostgresStore('postgres://alice:s3cret@h1:5432,h2:5433/db?sslmode=disable');
    try {
      assert.equal(store.description, 'postgres://alice:***@h1:5432,h2:5433/db?sslmode=disable');
    } finally {
      await store.close();
    }
  });

  it('frees the locks of a node frozen mid-transaction: the server ends its transaction, other nodes go on', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    // A store connection (the store's own startup parameters) that stops talking inside a transaction,
    // as a SIGSTOPped node does, while holding a session row's lock. It never sends anything again: a
    // write on the connection the server closed would hit postgres.js's nextWrite bug (see the guards).
    const frozen = postgres(url, { max: 1, onnotice: () => {}, connection: STORE_CONNECTION });
    try {
      await store.migrate();
      await store.sessions.createSession(sessionRecord('s1'));
      let locked!: (pid: number) => void;
      const lockedBy = new Promise<number>((r) => (locked = r));
      const frozenTx = frozen.begin(async (tx) => {
        const [{ pid }] = await tx<{ pid: number }[]>`SELECT pg_backend_pid() AS pid, id FROM continuum_sessions WHERE id = 's1' FOR UPDATE`;
        locked(pid);
        await new Promise(() => {}); // frozen
      });
      frozenTx.catch(() => undefined);
      const pid = await lockedBy;
      // Another node writes the same row: it waits for the lock, which the server frees after 2 s.
      const started = Date.now();
      await store.sessions.touchSessions(['s1'], Date.now());
      const waited = Date.now() - started;
      assert.ok(waited >= 1500, `the lock was held (${waited} ms)`);
      // The backend has rolled back (the lock is free); it leaves pg_stat_activity as its process exits.
      await eventually(async () => {
        const [{ n }] = await admin<{ n: number }[]>`SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ${pid}`;
        assert.equal(n, 0, 'the server ended the frozen session');
      });
    } finally {
      await frozen.end({ timeout: 0 }).catch(() => undefined);
      await admin.end();
      await store.close();
    }
  });

  it('lets two stores migrate the same database at once', async () => {
    const url = await freshDatabase();
    const stores = [new PostgresStore(url), new PostgresStore(url), new PostgresStore(url)];
    try {
      await Promise.all(stores.map((s) => s.migrate()));
      await stores[0].sessions.createSession(sessionRecord('s1'));
      assert.equal((await stores[1].sessions.getSession('s1'))?.id, 's1');
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('gives unique seqs to concurrent writers and reads them back in seq order', async () => {
    const url = await freshDatabase();
    const a = new PostgresStore(url);
    const b = new PostgresStore(url);
    try {
      await a.migrate();
      await a.sessions.createSession(sessionRecord('s1'));
      const batches = Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).events.appendEvents(
        Array.from({ length: 5 }, (_, j) => newEvent('s1', 'standalone', i * 10 + j)),
      ));
      const stored = (await Promise.all(batches)).flat();
      const seqs = stored.map((e) => e.seq);
      assert.equal(new Set(seqs).size, 100);
      const read = await b.events.readEventsAfter('s1', 'standalone', 0);
      assert.deepEqual(read.map((e) => e.seq), [...seqs].sort((x, y) => x - y));
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('finds the server when the URL lists a dead host first', async () => {
    const url = new URL(await freshDatabase());
    const multiHost = `postgres://${url.username}@127.0.0.1:1,${url.host}${url.pathname}`;
    const store = new PostgresStore(multiHost);
    try {
      await store.migrate();
      await store.sessions.createSession(sessionRecord('s1'));
      assert.equal(await store.sessions.countSessions(), 1);
    } finally {
      await store.close();
    }
  });

  it('survives the server killing its connections, idle or not', async () => {
    const url = await freshDatabase();
    const store = new PostgresStore(url);
    const admin = postgres(url, { max: 1, onnotice: () => {} });
    try {
      await store.migrate();
      await store.sessions.createSession(sessionRecord('s1'));
      // Several pooled connections, all idle afterwards.
      await Promise.all(Array.from({ length: 5 }, () => store.sessions.getSession('s1')));

      const [{ killed }] = await admin<{ killed: number }[]>`
        SELECT count(pg_terminate_backend(pid))::int AS killed
          FROM pg_stat_activity
         WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = 'continuum'`;
      assert.ok(killed > 0, 'no store connection was terminated');

      // Reads and idempotent writes retry onto fresh connections.
      assert.equal((await store.sessions.getSession('s1'))?.id, 's1');
      await store.sessions.touchSessions(['s1'], 1_800_000_000_000);
      assert.equal(await store.sessions.countSessions(), 1);
    } finally {
      await admin.end();
      await store.close();
    }
  });
});

describe('postgres: private cluster for tests', () => {
  it('starts a throwaway server that accepts a store, and stops it', async () => {
    const cluster = await startPrivateCluster();
    try {
      const store = new PostgresStore(cluster.url);
      try {
        await store.migrate();
        await store.sessions.createSession(sessionRecord('s1'));
        assert.equal(await store.sessions.countSessions(), 1);
      } finally {
        await store.close();
      }
    } finally {
      await cluster.stop();
    }
    const probe = postgres(cluster.url, { max: 1, connect_timeout: 2, onnotice: () => {} });
    try {
      await assert.rejects(probe`SELECT 1`, (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
    } finally {
      await probe.end({ timeout: 1 });
    }
  });
});
