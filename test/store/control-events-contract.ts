/** The ControlEventStore sub-port's contract, run against every adapter. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { DuplicateControlEvent, StreamVersionConflict } from '../../src/store/control-port.js';
import type { NewControlEvent, Store } from '../../src/store/port.js';
import type { OpenControlStore } from './tokens-contract.js';

const T0 = 1_700_000_000_000;
const ev = (type: string, n: number, key?: string): NewControlEvent => ({
  type,
  data: { n, text: 'héllo 🦊', nested: { z: [1, null, true] } },
  actor: 'token:ops',
  at: T0 + n,
  ...(key ? { idempotencyKey: key } : {}),
});

export function controlEventStoreContract(name: string, open: OpenControlStore): void {
  describe(`${name}: control event store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    it('appends to a stream with versions 1..n and store-wide increasing seqs', async () => {
      const a = await store.controlEvents.appendToStream('incident:A', [ev('declared', 1), ev('acked', 2)]);
      const b = await store.controlEvents.appendToStream('incident:B', [ev('declared', 3)]);
      const c = await store.controlEvents.appendToStream('incident:A', [ev('resolved', 4)]);
      assert.deepEqual(a.map((e) => e.version), [1, 2]);
      assert.deepEqual(b.map((e) => e.version), [1]);
      assert.deepEqual(c.map((e) => e.version), [3]);
      const seqs = [...a, ...b, ...c].map((e) => e.seq);
      for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1]);
      assert.deepEqual(await store.controlEvents.readStream('incident:A'), [...a, ...c]);
      assert.deepEqual(await store.controlEvents.readStream('incident:A', 2), c);
      assert.deepEqual(await store.controlEvents.readAfter(0), [...a, ...b, ...c]);
      assert.deepEqual(await store.controlEvents.readAfter(a[1].seq, 1), b);
      assert.deepEqual(a[0], { seq: a[0].seq, streamId: 'incident:A', version: 1, type: 'declared', data: ev('x', 1).data, actor: 'token:ops', at: T0 + 1, idempotencyKey: null });
    });

    it('checks the expected version and stores nothing on conflict', async () => {
      await store.controlEvents.appendToStream('s', [ev('a', 1)], { expectedVersion: 0 });
      await assert.rejects(store.controlEvents.appendToStream('s', [ev('b', 2)], { expectedVersion: 0 }), StreamVersionConflict);
      await store.controlEvents.appendToStream('s', [ev('b', 2)], { expectedVersion: 1 });
      await assert.rejects(store.controlEvents.appendToStream('new', [ev('c', 3)], { expectedVersion: 1 }), StreamVersionConflict);
      assert.deepEqual((await store.controlEvents.readAfter(0)).map((e) => e.type), ['a', 'b']);
    });

    it('lets exactly one of two writers at the same expected version win', async () => {
      await store.controlEvents.appendToStream('s', [ev('a', 1)]);
      const results = await Promise.allSettled([
        store.controlEvents.appendToStream('s', [ev('x', 2)], { expectedVersion: 1 }),
        store.controlEvents.appendToStream('s', [ev('y', 3)], { expectedVersion: 1 }),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.equal((await store.controlEvents.readStream('s')).length, 2);
    });

    it('refuses a second event with the same idempotency key, storing none of its batch', async () => {
      const [first] = await store.controlEvents.appendToStream('s', [ev('a', 1, 'journal:1')]);
      assert.equal(first.idempotencyKey, 'journal:1');
      await assert.rejects(store.controlEvents.appendToStream('t', [ev('b', 2), ev('c', 3, 'journal:1')]), DuplicateControlEvent);
      await assert.rejects(store.controlEvents.appendToStream('t', [ev('b', 2, 'k'), ev('c', 3, 'k')]), DuplicateControlEvent);
      assert.deepEqual(await store.controlEvents.readStream('t'), []);
      assert.deepEqual(await store.controlEvents.findByIdempotencyKey('journal:1'), first);
      assert.equal(await store.controlEvents.findByIdempotencyKey('journal:2'), null);
    });

    it('accepts an empty batch', async () => {
      assert.deepEqual(await store.controlEvents.appendToStream('s', []), []);
    });
  });
}
