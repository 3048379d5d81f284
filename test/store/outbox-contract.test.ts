/**
 * The outbox part of the storage port's contract (src/store/outbox-port.ts), on every adapter:
 * idempotent enqueue, head-of-line claims per (channel, order key), claim leases, attempts applied
 * only by the claim holder, subscribers. Two stores on the same data never both claim a message.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { MemoryStore } from '../../src/store/memory/index.js';
import { SubscriberExists, type NewOutboxMessage, type SubscriberRecord } from '../../src/store/outbox-port.js';
import type { Store } from '../../src/store/port.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

const T0 = 1_700_000_000_000;

const msg = (key: string, o: Partial<NewOutboxMessage> = {}): NewOutboxMessage => ({
  idempotencyKey: key,
  channel: 'hook',
  orderKey: 'inc-1',
  incidentId: 'inc-1',
  template: 'initial',
  recipient: null,
  content: { body: { key } },
  createdAt: T0,
  nextAttemptAt: T0,
  ...o,
});

const sub = (id: string, o: Partial<SubscriberRecord> = {}): SubscriberRecord => ({
  id,
  kind: 'email',
  address: `${id}@example.test`,
  components: [],
  status: 'pending',
  confirmHash: `c-${id}`,
  unsubscribeToken: `u-${id}`,
  createdAt: T0,
  updatedAt: T0,
  ...o,
});

type Open = () => Promise<{ store: Store; peer: () => Promise<Store> }>;

function outboxContract(name: string, open: Open): void {
  describe(`outbox store contract: ${name}`, () => {
    let store: Store;
    let peer: () => Promise<Store>;
    const extra: Store[] = [];
    beforeEach(async () => {
      ({ store, peer } = await open());
      await store.migrate();
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) if (s !== store) await s.close();
      await store.close();
    });
    const claim = (now = T0, o: { node?: string; limit?: number; channel?: string; leaseMs?: number } = {}) =>
      store.outbox.claimDue({ node: o.node ?? 'n1', now, leaseMs: o.leaseMs ?? 10_000, limit: o.limit ?? 100, ...(o.channel ? { channels: [o.channel] } : {}) });
    const deliver = (seq: number, node = 'n1') => store.outbox.recordAttempt(seq, { node, at: T0 + 1, attempts: 1, status: 'delivered', nextAttemptAt: T0 + 1, error: null });

    it('enqueues idempotently by key, in seq order', async () => {
      const [a, b] = await store.outbox.enqueue([msg('k1'), msg('k2')]);
      assert.ok(b.seq > a.seq);
      assert.deepEqual({ ...a, seq: 0 }, { ...msg('k1'), seq: 0, status: 'pending', attempts: 0, deliveredAt: null, lastError: null, claimedBy: null, claimedUntil: null });
      const [again, c] = await store.outbox.enqueue([msg('k1', { template: 'other' }), msg('k3')]);
      assert.equal(again.seq, a.seq);
      assert.equal(again.template, 'initial', 'the stored message wins');
      assert.ok(c.seq > b.seq);
      assert.equal((await store.outbox.list()).length, 3);
      assert.equal((await store.outbox.findByKey('k3'))?.seq, c.seq);
      assert.equal(await store.outbox.findByKey('nope'), null);
    });

    it('claims only the oldest pending message of each channel and order key, when due', async () => {
      await store.outbox.enqueue([msg('a1'), msg('a2'), msg('b1', { orderKey: 'inc-2' }), msg('c1', { channel: 'slack' }), msg('d1', { orderKey: 'inc-3', nextAttemptAt: T0 + 5_000 })]);
      const first = await claim();
      assert.deepEqual(first.map((m) => m.idempotencyKey), ['a1', 'b1', 'c1']);
      assert.ok(first.every((m) => m.claimedBy === 'n1' && m.claimedUntil === T0 + 10_000));
      assert.deepEqual(await claim(), [], 'claimed messages are not claimed again while the claim holds');
      assert.ok(await deliver(first[0].seq));
      assert.deepEqual((await claim()).map((m) => m.idempotencyKey), ['a2'], 'the next of inc-1 follows once a1 is delivered');
      assert.deepEqual((await claim(T0 + 5_000, { channel: 'hook' })).map((m) => m.idempotencyKey), ['d1'], 'due later; channel filter');
      assert.deepEqual((await claim(T0 + 20_000, { node: 'n2', limit: 1 })).map((m) => m.idempotencyKey), ['a2'], 'a lapsed claim is taken over');
    });

    it('records an attempt only for the claim holder; releases a node\'s claims', async () => {
      const [m] = await store.outbox.enqueue([msg('k')]);
      await claim(T0, { node: 'n1' });
      assert.equal(await store.outbox.recordAttempt(m.seq, { node: 'n2', at: T0, attempts: 1, status: 'delivered', nextAttemptAt: T0, error: null }), false);
      assert.equal(await store.outbox.recordAttempt(m.seq, { node: 'n1', at: T0 + 3, attempts: 1, status: 'pending', nextAttemptAt: T0 + 1_000, error: 'HTTP 503' }), true);
      const after1 = (await store.outbox.get(m.seq))!;
      assert.deepEqual([after1.status, after1.attempts, after1.lastError, after1.claimedBy, after1.nextAttemptAt], ['pending', 1, 'HTTP 503', null, T0 + 1_000]);
      assert.deepEqual(await claim(T0 + 999), [], 'not due yet');
      await claim(T0 + 1_000, { node: 'n1' });
      assert.equal(await store.outbox.releaseClaims('n1'), 1);
      const [again] = await claim(T0 + 1_000, { node: 'n2' });
      assert.equal(again.seq, m.seq);
      assert.ok(await deliver(m.seq, 'n2'));
      const done = (await store.outbox.get(m.seq))!;
      assert.deepEqual([done.status, done.deliveredAt], ['delivered', T0 + 1]);
      assert.deepEqual((await store.outbox.stats()).map((s) => [s.channel, s.status, s.count, s.oldest]), [['hook', 'delivered', 1, T0]]);
      assert.equal((await store.outbox.list({ status: 'pending' })).length, 0);
      assert.equal((await store.outbox.list({ incidentId: 'inc-1' })).length, 1);
    });

    it('two stores on the same data never claim the same message', async () => {
      const other = await peer();
      extra.push(other);
      await store.outbox.enqueue(Array.from({ length: 40 }, (_, i) => msg(`k${i}`, { orderKey: `inc-${i}` })));
      const [x, y] = await Promise.all([
        store.outbox.claimDue({ node: 'a', now: T0, leaseMs: 10_000, limit: 30 }),
        other.outbox.claimDue({ node: 'b', now: T0, leaseMs: 10_000, limit: 30 }),
      ]);
      const keys = [...x, ...y].map((m) => m.idempotencyKey);
      assert.equal(new Set(keys).size, keys.length);
      assert.equal(keys.length, 40);
    });

    it('keeps subscribers: unique per kind and address, found by token, updated, listed by status', async () => {
      await store.outbox.createSubscriber(sub('s1'));
      await store.outbox.createSubscriber(sub('s2', { kind: 'webhook', address: 'https://hooks.example.test/x', status: 'active', confirmHash: null }));
      await assert.rejects(store.outbox.createSubscriber(sub('s3', { address: 's1@example.test' })), SubscriberExists);
      assert.deepEqual(await store.outbox.getSubscriber('s1'), sub('s1'));
      assert.equal((await store.outbox.findSubscriber('email', 's1@example.test'))?.id, 's1');
      assert.equal((await store.outbox.findSubscriberByHash('confirm', 'c-s1'))?.id, 's1');
      assert.equal((await store.outbox.findSubscriberByHash('unsubscribe', 'u-s2'))?.id, 's2');
      assert.equal(await store.outbox.findSubscriberByHash('confirm', 'nope'), null);
      const up = await store.outbox.updateSubscriber('s1', { status: 'active', confirmHash: null, components: ['gateway'], updatedAt: T0 + 5 });
      assert.deepEqual([up?.status, up?.confirmHash, up?.components, up?.updatedAt], ['active', null, ['gateway'], T0 + 5]);
      assert.equal(await store.outbox.updateSubscriber('nope', { status: 'active', updatedAt: T0 }), null);
      assert.deepEqual((await store.outbox.listSubscribers({ status: 'active' })).map((s) => s.id), ['s1', 's2']);
      assert.deepEqual((await store.outbox.listSubscribers({ status: 'pending' })).map((s) => s.id), []);
    });
  });
}

const dir = mkdtempSync(join(tmpdir(), 'continuum-outbox-contract-'));
let files = 0;
const databases: TestDatabase[] = [];
after(async () => {
  rmSync(dir, { recursive: true, force: true });
  await Promise.all(databases.map((db) => db.drop()));
});

outboxContract('memory', async () => {
  const store = new MemoryStore();
  return { store, peer: async () => store };
});
outboxContract('sqlite', async () => {
  const file = join(dir, `outbox-${++files}.db`);
  return { store: new SqliteStore(file), peer: async () => new SqliteStore(file) };
});
outboxContract('postgres', async () => {
  const db = await createTestDatabase();
  databases.push(db);
  return { store: new PostgresStore(db.url), peer: async () => new PostgresStore(db.url) };
});
