/**
 * The cluster half of the storage port's contract (maxSeq, node registry, leases, bus), run against
 * every adapter. Each test gets a fresh, migrated store; `peer()` opens another store on the same data
 * (same SQLite file, same PostgreSQL database) to check what one process sees of another's writes. The
 * memory store cannot be shared, so its peer is the store itself.
 *
 * Times here are store time (store.now()), never the event clock, which stays at T0 (2023) so that a
 * heartbeat or lease stamped from it would stand out. Lapses are waited for by polling store time.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock, type Clock } from '../../src/core/clock.js';
import { BUS_MAX_MESSAGE_BYTES } from '../../src/store/bus-message.js';
import type { BusMessage, JsonObject, Lease, Store } from '../../src/store/port.js';
import { newEvent, sessionRecord } from './fixtures/records.js';

/** Opens a fresh, empty, unmigrated store; `peer` opens another (unmigrated) store on the same data. */
export type OpenClusterStore = (opts: { clock: Clock }) => Promise<{ store: Store; peer: () => Promise<Store> }>;

const T0 = 1_700_000_000_000;
/** Long enough never to lapse during a test. */
const LONG_TTL = 60_000;
/** Short enough to wait for. */
const SHORT_TTL = 120;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean | Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Waits until store time has passed `t` (so that a later write gets a later stamp). */
async function waitForStoreTimeAfter(store: Store, t: number): Promise<void> {
  await waitFor(`store time after ${t}`, async () => (await store.now()) > t);
}

async function waitForLapse(store: Store, lease: Lease): Promise<void> {
  await waitFor(`lease ${lease.name}@${lease.epoch} to lapse`, async () => (await store.now()) >= lease.expiresAt);
}

/** Store time around an operation, to check that the store stamped it with its own clock. */
async function bracket<T>(store: Store, op: () => Promise<T>): Promise<{ value: T; before: number; after: number }> {
  const before = await store.now();
  const value = await op();
  const after = await store.now();
  return { value, before, after };
}

function assertWithin(t: number, before: number, after: number, what: string): void {
  assert.ok(Number.isSafeInteger(t), `${what} ${t} is not an integer`);
  assert.ok(t >= before && t <= after, `${what} ${t} is not store time (outside ${before}..${after})`);
}

export function clusterContract(name: string, open: OpenClusterStore): void {
  describe(`${name}: cluster contract`, () => {
    let clock: ManualClock;
    let store: Store;
    let openPeer: () => Promise<Store>;
    let peers: Store[];

    beforeEach(async () => {
      clock = new ManualClock(T0);
      const opened = await open({ clock });
      store = opened.store;
      peers = [];
      openPeer = async () => {
        const peer = await opened.peer();
        if (peer !== store) peers.push(peer);
        await peer.migrate();
        return peer;
      };
      await store.migrate();
    });

    afterEach(async () => {
      await Promise.all(peers.map((p) => p.close()));
      await store.close();
    });

    describe('events.maxSeq', () => {
      it('is 0 on a fresh store', async () => {
        assert.equal(await store.events.maxSeq(), 0);
      });

      it('is the highest seq assigned, seen by every store, and does not go back after pruning', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        await store.events.appendEvents([newEvent('s1', 'standalone', 1)]);
        const stored = await store.events.appendEvents([newEvent('s1', 'standalone', 2), newEvent('s1', 'req:1', 3)]);
        const last = stored[1].seq;
        assert.equal(await store.events.maxSeq(), last);
        const peer = await openPeer();
        assert.equal(await peer.events.maxSeq(), last);

        clock.advance(1);
        assert.equal(await store.events.pruneEvents(clock.now()), 3);
        assert.equal(await store.events.maxSeq(), last);

        const [next] = await peer.events.appendEvents([newEvent('s1', 'standalone', 4)]);
        assert.equal(await store.events.maxSeq(), next.seq);
      });
    });

    describe('events.streamsWithEventsAfter', () => {
      it('names, in the order given, the stream positions another process has written past', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        await store.sessions.createSession(sessionRecord('s2'));
        const [a, b] = await store.events.appendEvents([newEvent('s1', 'standalone', 1), newEvent('s2', 'standalone', 2)]);
        const peer = await openPeer();
        const [c] = await peer.events.appendEvents([newEvent('s2', 'post:x', 3)]);
        const cursors = [
          { sessionId: 's2', streamId: 'post:x', afterSeq: 0 },
          { sessionId: 's1', streamId: 'standalone', afterSeq: a.seq },
          { sessionId: 's2', streamId: 'standalone', afterSeq: b.seq - 1 },
          { sessionId: 's2', streamId: 'post:x', afterSeq: c.seq },
          { sessionId: 'nobody', streamId: 'standalone', afterSeq: 0 },
        ];
        assert.deepEqual(await store.events.streamsWithEventsAfter(cursors), [cursors[0], cursors[2]]);
        assert.deepEqual(await store.events.streamsWithEventsAfter([]), []);
      });
    });

    describe('nodes', () => {
      const node = (id: string, extra: Partial<{ region: string; url: string; state: JsonObject }> = {}) => ({
        id,
        region: 'eu-west',
        url: `http://${id}.internal:8080/mcp`,
        state: { draining: false },
        ...extra,
      });

      it('registers a node at store time, not the event clock', async () => {
        const { value: at, before, after } = await bracket(store, () => store.nodes.heartbeat(node('n1')));
        assertWithin(at, before, after, 'heartbeat time');
        assert.ok(Math.abs(at - T0) > 86_400_000, 'heartbeat was stamped with the event clock');
        assert.deepEqual(await store.nodes.list(), [
          { id: 'n1', region: 'eu-west', url: 'http://n1.internal:8080/mcp', startedAt: at, lastHeartbeat: at, state: { draining: false } },
        ]);
      });

      it('keeps startedAt from the first heartbeat and updates everything else', async () => {
        const first = await store.nodes.heartbeat(node('n1'));
        await waitForStoreTimeAfter(store, first);
        const state: JsonObject = { draining: true, roles: ['leader'], partition: { decision: 'serve', peers: 2 } };
        const second = await store.nodes.heartbeat(node('n1', { region: 'us-east', url: 'http://moved/mcp', state }));
        assert.ok(second > first, `second heartbeat ${second} is not after the first ${first}`);
        assert.deepEqual(await store.nodes.list(), [
          { id: 'n1', region: 'us-east', url: 'http://moved/mcp', startedAt: first, lastHeartbeat: second, state },
        ]);
      });

      it('restarts startedAt when the node publishes a new bootId', async () => {
        const startedAt = async () => (await store.nodes.list())[0].startedAt;
        const t1 = await store.nodes.heartbeat(node('n1', { state: { bootId: 'boot-1' } }));
        await waitForStoreTimeAfter(store, t1);
        const t2 = await store.nodes.heartbeat(node('n1', { state: { bootId: 'boot-1' } }));
        assert.equal(await startedAt(), t1, 'same bootId');
        await waitForStoreTimeAfter(store, t2);
        const t3 = await store.nodes.heartbeat(node('n1', { state: {} }));
        assert.equal(await startedAt(), t1, 'no bootId keeps the last one');
        await waitForStoreTimeAfter(store, t3);
        const t4 = await store.nodes.heartbeat(node('n1', { state: { bootId: 'boot-1' } }));
        assert.equal(await startedAt(), t1, 'the last bootId again');
        await waitForStoreTimeAfter(store, t4);
        const t5 = await store.nodes.heartbeat(node('n1', { state: { bootId: 'boot-2' } }));
        assert.equal(await startedAt(), t5, 'a new bootId is a new process');
      });

      it('lists every node ordered by id (byte order), as any store on the data sees it', async () => {
        for (const id of ['node-b', 'node-a', 'Node-c', 'node-10', 'node-9']) await store.nodes.heartbeat(node(id));
        const expected = ['Node-c', 'node-10', 'node-9', 'node-a', 'node-b'];
        assert.deepEqual((await store.nodes.list()).map((n) => n.id), expected);
        const peer = await openPeer();
        assert.deepEqual((await peer.nodes.list()).map((n) => n.id), expected);
      });

      it('removes a node and reports whether it existed', async () => {
        await store.nodes.heartbeat(node('n1'));
        await store.nodes.heartbeat(node('n2'));
        assert.equal(await store.nodes.remove('n1'), true);
        assert.equal(await store.nodes.remove('n1'), false);
        assert.equal(await store.nodes.remove('never'), false);
        assert.deepEqual((await store.nodes.list()).map((n) => n.id), ['n2']);
      });

      it('registers a removed node afresh', async () => {
        const first = await store.nodes.heartbeat(node('n1'));
        await store.nodes.remove('n1');
        await waitForStoreTimeAfter(store, first);
        const again = await store.nodes.heartbeat(node('n1'));
        assert.equal((await store.nodes.list())[0].startedAt, again);
      });

      it('round-trips unicode and nested state', async () => {
        const state: JsonObject = { note: 'héllo 🦊 \u0000 "q"', nested: { a: [1, { b: null }] }, n: -1.5 };
        await store.nodes.heartbeat(node('n1', { state }));
        assert.deepEqual((await store.nodes.list())[0].state, state);
      });
    });

    describe('leases', () => {
      it('gives a free lease at epoch 1, expiring at store time + ttl', async () => {
        const { value: lease, before, after } = await bracket(store, () => store.leases.acquire('L', 'a', LONG_TTL));
        assert.ok(lease);
        assert.equal(lease.name, 'L');
        assert.equal(lease.holder, 'a');
        assert.equal(lease.epoch, 1);
        assertWithin(lease.expiresAt, before + LONG_TTL, after + LONG_TTL, 'expiresAt');
        assert.deepEqual(await store.leases.get('L'), lease);
      });

      it('returns null for an unknown lease and an empty history', async () => {
        assert.equal(await store.leases.get('nope'), null);
        assert.deepEqual(await store.leases.history('nope'), []);
      });

      it('refuses a held lease to another holder, on any store', async () => {
        const lease = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.equal(await store.leases.acquire('L', 'b', LONG_TTL), null);
        const peer = await openPeer();
        assert.equal(await peer.leases.acquire('L', 'b', LONG_TTL), null);
        assert.deepEqual(await peer.leases.get('L'), lease);
      });

      it('keeps leases of different names apart', async () => {
        const l1 = await store.leases.acquire('L1', 'a', LONG_TTL);
        const l2 = await store.leases.acquire('L2', 'b', LONG_TTL);
        assert.equal(l1?.holder, 'a');
        assert.equal(l2?.holder, 'b');
        assert.equal(l2?.epoch, 1);
      });

      it('renews through acquire by its holder, at the same epoch', async () => {
        const first = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(first);
        await waitForStoreTimeAfter(store, first.expiresAt - LONG_TTL);
        const again = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.equal(again?.epoch, first.epoch);
        assert.ok(again.expiresAt > first.expiresAt, 'expiry did not move on');
      });

      it('renews only for the holder at its epoch', async () => {
        const lease = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(lease);
        await waitForStoreTimeAfter(store, lease.expiresAt - LONG_TTL);
        const { value: renewed, before, after } = await bracket(store, () => store.leases.renew('L', 'a', lease.epoch, LONG_TTL));
        assert.ok(renewed);
        assert.equal(renewed.epoch, lease.epoch);
        assert.equal(renewed.holder, 'a');
        assertWithin(renewed.expiresAt, before + LONG_TTL, after + LONG_TTL, 'renewed expiresAt');
        assert.deepEqual(await store.leases.get('L'), renewed);

        assert.equal(await store.leases.renew('L', 'b', lease.epoch, LONG_TTL), null, 'another holder');
        assert.equal(await store.leases.renew('L', 'a', lease.epoch + 1, LONG_TTL), null, 'another epoch');
        assert.equal(await store.leases.renew('other', 'a', lease.epoch, LONG_TTL), null, 'unknown lease');
        assert.deepEqual(await store.leases.get('L'), renewed);
      });

      it('lapses at its expiry: no renewal, no fenced write, and the next holder gets the next epoch', async () => {
        const lease = await store.leases.acquire('L', 'a', SHORT_TTL);
        assert.ok(lease);
        await waitForLapse(store, lease);
        assert.equal(await store.leases.renew('L', 'a', lease.epoch, LONG_TTL), null);
        assert.equal(await store.leases.fencedAppend('L', lease.epoch, { late: true }), false);
        const peer = await openPeer();
        const next = await peer.leases.acquire('L', 'b', LONG_TTL);
        assert.equal(next?.holder, 'b');
        assert.equal(next?.epoch, lease.epoch + 1);
        assert.deepEqual(await store.leases.history('L'), []);
      });

      it('gives a new epoch to a holder re-taking its own lapsed lease', async () => {
        const lease = await store.leases.acquire('L', 'a', SHORT_TTL);
        assert.ok(lease);
        await waitForLapse(store, lease);
        const again = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.equal(again?.epoch, lease.epoch + 1);
        assert.equal(await store.leases.fencedAppend('L', lease.epoch, { stale: true }), false);
        assert.equal(await store.leases.fencedAppend('L', lease.epoch + 1, { fresh: true }), true);
      });

      it('releases only for the holder at its epoch, and a released lease goes to the next holder at the next epoch', async () => {
        const lease = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(lease);
        await store.leases.release('L', 'b', lease.epoch);
        await store.leases.release('L', 'a', lease.epoch + 1);
        await store.leases.release('other', 'a', lease.epoch);
        assert.deepEqual(await store.leases.get('L'), lease, 'a release by the wrong holder or epoch changed the lease');
        assert.equal(await store.leases.acquire('L', 'b', LONG_TTL), null);

        const { before, after } = await bracket(store, () => store.leases.release('L', 'a', lease.epoch));
        const released = await store.leases.get('L');
        assert.ok(released);
        assertWithin(released.expiresAt, before, after, 'released expiresAt');
        assert.equal(released.epoch, lease.epoch);
        assert.equal(await store.leases.renew('L', 'a', lease.epoch, LONG_TTL), null, 'renewed after release');
        assert.equal(await store.leases.fencedAppend('L', lease.epoch, {}), false, 'fenced write after release');

        const next = await store.leases.acquire('L', 'b', LONG_TTL);
        assert.equal(next?.epoch, lease.epoch + 1);
        assert.equal(next?.holder, 'b');
      });

      it('does not move a lapsed lease forward on release', async () => {
        const lease = await store.leases.acquire('L', 'a', SHORT_TTL);
        assert.ok(lease);
        await waitForLapse(store, lease);
        await store.leases.release('L', 'a', lease.epoch);
        assert.deepEqual(await store.leases.get('L'), lease);
      });

      it('rejects a ttl that is not a positive integer', async () => {
        for (const ttl of [0, -1, 1.5, Number.NaN]) {
          await assert.rejects(store.leases.acquire('L', 'a', ttl), RangeError, `acquire with ttl ${ttl}`);
        }
        const lease = await store.leases.acquire('L', 'a', LONG_TTL);
        await assert.rejects(store.leases.renew('L', 'a', lease!.epoch, 0), RangeError);
        assert.deepEqual(await store.leases.get('L'), lease);
      });

      it('records fenced writes of the current epoch with holder and store time, in commit order', async () => {
        const lease = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(lease);
        const peer = await openPeer();
        const records: JsonObject[] = [{ n: 1 }, { n: 2, note: 'ü🦊' }, { n: 3, nested: { x: [null] } }];
        const { before, after } = await bracket(store, async () => {
          assert.equal(await store.leases.fencedAppend('L', lease.epoch, records[0]), true);
          assert.equal(await peer.leases.fencedAppend('L', lease.epoch, records[1]), true);
          assert.equal(await store.leases.fencedAppend('L', lease.epoch, records[2]), true);
        });
        const history = await peer.leases.history('L');
        assert.deepEqual(
          history.map(({ epoch, holder, record }) => ({ epoch, holder, record })),
          records.map((record) => ({ epoch: lease.epoch, holder: 'a', record })),
        );
        for (const h of history) assertWithin(h.at, before, after, 'history at');
        for (let i = 1; i < history.length; i++) assert.ok(history[i].at >= history[i - 1].at, 'history times go back');
        assert.equal(await store.leases.fencedAppend('unknown', 1, {}), false, 'a write under an unknown lease');
        assert.deepEqual(await store.leases.history('unknown'), []);
      });

      it('rejects a stale epoch after a handover and keeps its history clean', async () => {
        const first = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(first);
        assert.equal(await store.leases.fencedAppend('L', first.epoch, { by: 'a', n: 1 }), true);
        await store.leases.release('L', 'a', first.epoch);
        const peer = await openPeer();
        const second = await peer.leases.acquire('L', 'b', LONG_TTL);
        assert.ok(second);
        assert.equal(await store.leases.fencedAppend('L', first.epoch, { by: 'a', n: 2 }), false);
        assert.equal(await peer.leases.fencedAppend('L', second.epoch, { by: 'b', n: 3 }), true);
        assert.equal(await peer.leases.fencedAppend('L', second.epoch + 1, { by: '?', n: 4 }), false, 'a future epoch');
        assert.deepEqual(
          (await store.leases.history('L')).map(({ epoch, holder, record }) => ({ epoch, holder, record })),
          [
            { epoch: first.epoch, holder: 'a', record: { by: 'a', n: 1 } },
            { epoch: second.epoch, holder: 'b', record: { by: 'b', n: 3 } },
          ],
        );
      });

      it('lets exactly one of 20 holders racing on two stores take a free lease', async () => {
        const peer = await openPeer();
        const holders = Array.from({ length: 20 }, (_, i) => `h${i}`);
        const results = await Promise.all(holders.map((h, i) => (i % 2 === 0 ? store : peer).leases.acquire('L', h, LONG_TTL)));
        const winners = results.filter((r) => r !== null);
        assert.equal(winners.length, 1, `winners: ${JSON.stringify(winners)}`);
        assert.equal(winners[0].epoch, 1);
        assert.deepEqual(await store.leases.get('L'), winners[0]);
      });

      it('hands over under contention with strictly increasing epochs, fencing off every earlier holder', async () => {
        const peer = await openPeer();
        const stores = [store, peer];
        const holders = Array.from({ length: 10 }, (_, i) => `h${i}`);
        const start = await store.leases.acquire('L', 'start', LONG_TTL);
        assert.ok(start);
        let current: Lease = start;
        const epochs = [current.epoch];
        const previous: Lease[] = [];
        for (let round = 0; round < 6; round++) {
          // Even rounds hand over by release, odd rounds by lapse.
          if (round % 2 === 0) {
            await stores[round % 2].leases.release('L', current.holder, current.epoch);
          } else {
            const short = await stores[0].leases.acquire('L', current.holder, SHORT_TTL);
            assert.equal(short?.epoch, current.epoch);
            await waitForLapse(store, short!);
          }
          // The holder that just lost it races too: taking it back still means a new epoch.
          const holder = current.holder;
          const racers = [...holders.filter((h) => h !== holder), holder];
          const results = await Promise.all(racers.map((h, i) => stores[i % 2].leases.acquire('L', h, LONG_TTL)));
          const winners = results.filter((r): r is Lease => r !== null);
          assert.equal(winners.length, 1, `round ${round}: winners ${JSON.stringify(winners)}`);
          const next = winners[0];
          assert.ok(next.epoch > current.epoch, `round ${round}: epoch ${next.epoch} after ${current.epoch}`);
          previous.push(current);
          current = next;
          epochs.push(current.epoch);
          assert.equal(await stores[round % 2].leases.fencedAppend('L', current.epoch, { round, holder: current.holder }), true);
          for (const old of previous) {
            assert.equal(await stores[(round + 1) % 2].leases.fencedAppend('L', old.epoch, { stale: old.epoch }), false);
          }
        }
        for (let i = 1; i < epochs.length; i++) assert.ok(epochs[i] > epochs[i - 1], `epochs ${epochs}`);
        const history = await store.leases.history('L');
        assert.deepEqual(
          history.map((h) => h.epoch),
          epochs.slice(1),
        );
        assert.ok(history.every((h) => !('stale' in h.record)));
      });

      it('never records a write of an older epoch after a newer one when writers race a handover', async () => {
        const peer = await openPeer();
        const first = await store.leases.acquire('L', 'a', LONG_TTL);
        assert.ok(first);
        // a keeps writing under its epoch while b takes over; every write a makes after b's epoch began
        // must be refused.
        const writesByA = Array.from({ length: 30 }, (_, n) => store.leases.fencedAppend('L', first.epoch, { by: 'a', n }));
        const takeover = (async () => {
          await peer.leases.release('L', 'a', first.epoch);
          const second = await peer.leases.acquire('L', 'b', LONG_TTL);
          assert.ok(second);
          const writesByB = Array.from({ length: 10 }, (_, n) => peer.leases.fencedAppend('L', second.epoch, { by: 'b', n }));
          return Promise.all(writesByB);
        })();
        const [aResults, bResults] = await Promise.all([Promise.all(writesByA), takeover]);
        assert.ok(bResults.every(Boolean), 'b was refused under its own epoch');
        const history = await store.leases.history('L');
        assert.equal(history.length, aResults.filter(Boolean).length + bResults.length);
        for (let i = 1; i < history.length; i++) {
          assert.ok(history[i].epoch >= history[i - 1].epoch, `epoch went back in history at ${i}: ${JSON.stringify(history)}`);
        }
      });
    });

    describe('bus', () => {
      const collect = () => {
        const received: BusMessage[] = [];
        return { received, handler: (m: BusMessage) => void received.push(m) };
      };

      it('delivers what any store publishes after subscribing, once each, in publish order per publisher', async () => {
        const peer = await openPeer();
        await store.bus.publish('test', { from: 'early', i: 0 });
        const onStore = collect();
        const onPeer = collect();
        const unsubscribes = [await store.bus.subscribe(onStore.handler), await peer.bus.subscribe(onPeer.handler)];

        for (let i = 0; i < 10; i++) {
          await store.bus.publish('test', { from: 'store', i });
          await peer.bus.publish(i % 2 === 0 ? 'test' : 'other', { from: 'peer', i });
        }
        // Not awaited one by one: publish order is call order.
        await Promise.all(Array.from({ length: 10 }, (_, k) => store.bus.publish('test', { from: 'store', i: 10 + k })));

        const total = 30;
        await waitFor('every message on both stores', () => onStore.received.length >= total && onPeer.received.length >= total);
        await sleep(50); // room for a duplicate to show up
        for (const [where, received] of [['store', onStore.received], ['peer', onPeer.received]] as const) {
          assert.equal(received.length, total, `${where} got ${received.length} messages`);
          for (let k = 1; k < received.length; k++) {
            assert.ok(received[k].seq > received[k - 1].seq, `${where}: seq went ${received[k - 1].seq} -> ${received[k].seq}`);
          }
          const from = (who: string) => received.filter((m) => m.payload.from === who);
          assert.deepEqual(from('store').map((m) => m.payload.i), Array.from({ length: 20 }, (_, i) => i), `${where}: store's messages`);
          assert.deepEqual(from('peer').map((m) => m.payload.i), Array.from({ length: 10 }, (_, i) => i), `${where}: peer's messages`);
          assert.deepEqual(
            from('peer').map((m) => m.channel),
            Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? 'test' : 'other')),
          );
          assert.equal(from('early').length, 0, `${where} got a message published before it subscribed`);
        }
        for (const unsubscribe of unsubscribes) await unsubscribe();
      });

      it('stops delivering to a subscriber once it unsubscribes, and keeps the others', async () => {
        const peer = await openPeer();
        const leaving = collect();
        const staying = collect();
        const unsubscribeLeaving = await store.bus.subscribe(leaving.handler);
        const unsubscribeStaying = await store.bus.subscribe(staying.handler);
        await peer.bus.publish('test', { n: 1 });
        await waitFor('the first message', () => leaving.received.length === 1 && staying.received.length === 1);

        await unsubscribeLeaving();
        await unsubscribeLeaving(); // twice is harmless
        await peer.bus.publish('test', { n: 2 });
        await store.bus.publish('test', { n: 3 });
        await waitFor('the later messages', () => staying.received.length === 3);
        await sleep(50);
        assert.deepEqual(leaving.received.map((m) => m.payload.n), [1]);
        assert.deepEqual(staying.received.map((m) => m.payload.n), [1, 2, 3]);

        await unsubscribeStaying();
        const again = collect();
        const unsubscribeAgain = await store.bus.subscribe(again.handler);
        await peer.bus.publish('test', { n: 4 });
        await waitFor('a message after subscribing again', () => again.received.length === 1);
        assert.equal(again.received[0].payload.n, 4);
        assert.equal(staying.received.length, 3);
        await unsubscribeAgain();
      });

      it('keeps delivering to the others when a handler throws', async () => {
        const thrown: unknown[] = [];
        const onUncaught = (err: unknown) => void thrown.push(err);
        const listeners = process.listeners('uncaughtException');
        process.removeAllListeners('uncaughtException');
        process.on('uncaughtException', onUncaught);
        try {
          const ok = collect();
          const unsubscribeBad = await store.bus.subscribe(() => {
            throw new Error('handler bug');
          });
          const unsubscribeOk = await store.bus.subscribe(ok.handler);
          await store.bus.publish('test', { n: 1 });
          await store.bus.publish('test', { n: 2 });
          await waitFor('both messages despite the throwing handler', () => ok.received.length === 2 && thrown.length === 2);
          assert.equal((thrown[0] as Error).message, 'handler bug');
          await unsubscribeBad();
          await unsubscribeOk();
        } finally {
          process.off('uncaughtException', onUncaught);
          for (const l of listeners) process.on('uncaughtException', l);
        }
      });

      it('rejects a message over the size limit, sends nothing, and delivers one at the limit', async () => {
        const got = collect();
        const unsubscribe = await store.bus.subscribe(got.handler);
        const overhead = Buffer.byteLength(JSON.stringify({ channel: 'test', payload: { blob: '' } }));
        const fits = 'x'.repeat(BUS_MAX_MESSAGE_BYTES - overhead);
        await assert.rejects(store.bus.publish('test', { blob: `${fits}x` }), (err: Error) => {
          assert.ok(err instanceof RangeError, `${err.name}: ${err.message}`);
          assert.match(err.message, /limit/);
          return true;
        });
        // Bytes, not characters: 2 000 foxes are 8 000 bytes.
        await assert.rejects(store.bus.publish('test', { blob: '🦊'.repeat(2_000) }), RangeError);
        await store.bus.publish('test', { blob: fits });
        await waitFor('the message at the limit', () => got.received.length === 1);
        await sleep(30);
        assert.equal(got.received.length, 1);
        assert.equal(got.received[0].payload.blob, fits);
        await unsubscribe();
      });

      it('round-trips unicode and nested payloads', async () => {
        const got = collect();
        const unsubscribe = await store.bus.subscribe(got.handler);
        const payload: JsonObject = { text: 'héllo 🦊 "q" \\ \u0000', nested: { a: [1, { b: null, c: true }] }, n: -2.5e-3 };
        await store.bus.publish('chännel/ü', payload);
        await waitFor('the message', () => got.received.length === 1);
        assert.equal(got.received[0].channel, 'chännel/ü');
        assert.deepEqual(got.received[0].payload, payload);
        await unsubscribe();
      });

      it('delivers nothing once the store is closed while subscribed', async () => {
        const peer = await openPeer();
        if (peer === store) return; // the memory store has no peer to keep publishing
        const got = collect();
        await store.bus.subscribe(got.handler);
        await store.close();
        await peer.bus.publish('test', { n: 1 });
        await sleep(100);
        assert.equal(got.received.length, 0);
      });
    });
  });
}
