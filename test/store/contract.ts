/**
 * The storage port's contract, run against every adapter. Each test gets a fresh, migrated store whose
 * event clock the test drives.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock, type Clock } from '../../src/core/clock.js';
import type { JsonObject, Store } from '../../src/store/port.js';
import { newEvent, sessionRecord } from './fixtures/records.js';

/** Opens a fresh, empty, unmigrated store whose events take createdAt from opts.clock. */
export type OpenStore = (opts: { clock: Clock }) => Promise<Store>;

const T0 = 1_700_000_000_000;

export function storeContract(name: string, open: OpenStore): void {
  describe(`${name}: store contract`, () => {
    let clock: ManualClock;
    let store: Store;

    beforeEach(async () => {
      clock = new ManualClock(T0);
      store = await open({ clock });
      await store.migrate();
    });

    afterEach(async () => {
      await store.close();
    });

    describe('store', () => {
      it('migrates again without error and keeps data', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        await store.migrate();
        await store.migrate();
        assert.equal(await store.sessions.countSessions(), 1);
      });

      it('answers ping', async () => {
        await store.ping();
      });

      it("reports the store's time, close to this machine's", async () => {
        const before = Date.now();
        const now = await store.now();
        const after = Date.now();
        assert.ok(Number.isInteger(now), `now() returned ${now}`);
        assert.ok(now >= before - 5_000 && now <= after + 5_000, `now() ${now} is far from ${before}..${after}`);
      });

      it('describes itself with its kind', () => {
        assert.ok(store.description.length > 0);
        assert.ok(['sqlite', 'postgres'].includes(store.kind));
      });

      it('can be closed twice', async () => {
        await store.close();
        await store.close();
      });
    });

    describe('sessions', () => {
      it('returns a created session as it was given', async () => {
        const record = sessionRecord('s1', {
          principal: 'alice',
          logLevel: 'info',
          subscriptions: ['file:///a', 'file:///b'],
          createdAt: T0 - 10,
          lastActiveAt: T0 - 5,
          version: 3,
        });
        await store.sessions.createSession(record);
        assert.deepEqual(await store.sessions.getSession('s1'), record);
      });

      it('keeps a null clientInfo null', async () => {
        await store.sessions.createSession(sessionRecord('s1', { clientInfo: null }));
        assert.equal((await store.sessions.getSession('s1'))?.clientInfo, null);
      });

      it('returns null for an unknown id', async () => {
        assert.equal(await store.sessions.getSession('nope'), null);
      });

      it('rejects a duplicate id and keeps the first session', async () => {
        await store.sessions.createSession(sessionRecord('s1', { createdBy: 'first' }));
        await assert.rejects(store.sessions.createSession(sessionRecord('s1', { createdBy: 'second' })));
        assert.equal((await store.sessions.getSession('s1'))?.createdBy, 'first');
        assert.equal(await store.sessions.countSessions(), 1);
      });

      it('applies a logLevel patch, keeps other fields and bumps the version', async () => {
        await store.sessions.createSession(sessionRecord('s1', { subscriptions: ['a'], version: 1 }));
        const updated = await store.sessions.updateSession('s1', { logLevel: 'debug' });
        assert.equal(updated?.logLevel, 'debug');
        assert.deepEqual(updated?.subscriptions, ['a']);
        assert.equal(updated?.version, 2);
        assert.deepEqual(await store.sessions.getSession('s1'), updated);
      });

      it('applies a subscriptions patch and keeps logLevel', async () => {
        await store.sessions.createSession(sessionRecord('s1', { logLevel: 'warning', version: 1 }));
        const updated = await store.sessions.updateSession('s1', { subscriptions: ['x', 'y'] });
        assert.deepEqual(updated?.subscriptions, ['x', 'y']);
        assert.equal(updated?.logLevel, 'warning');
        assert.equal(updated?.version, 2);
      });

      it('clears logLevel on an explicit null', async () => {
        await store.sessions.createSession(sessionRecord('s1', { logLevel: 'error' }));
        const updated = await store.sessions.updateSession('s1', { logLevel: null });
        assert.equal(updated?.logLevel, null);
      });

      it('bumps the version on every update, even an empty patch', async () => {
        await store.sessions.createSession(sessionRecord('s1', { version: 7 }));
        await store.sessions.updateSession('s1', {});
        const updated = await store.sessions.updateSession('s1', { subscriptions: [] });
        assert.equal(updated?.version, 9);
        assert.deepEqual(updated?.subscriptions, []);
      });

      it('returns null when updating an unknown session', async () => {
        assert.equal(await store.sessions.updateSession('nope', { logLevel: 'info' }), null);
        assert.equal(await store.sessions.countSessions(), 0);
      });

      it('touches listed sessions only, ignores unknown ids and leaves the version alone', async () => {
        await store.sessions.createSession(sessionRecord('s1', { lastActiveAt: T0 }));
        await store.sessions.createSession(sessionRecord('s2', { lastActiveAt: T0 }));
        await store.sessions.touchSessions(['s1', 'missing'], T0 + 500);
        const s1 = await store.sessions.getSession('s1');
        assert.equal(s1?.lastActiveAt, T0 + 500);
        assert.equal(s1?.version, 1);
        assert.equal((await store.sessions.getSession('s2'))?.lastActiveAt, T0);
        assert.equal(await store.sessions.getSession('missing'), null);
      });

      it('never moves lastActiveAt back on a late touch', async () => {
        await store.sessions.createSession(sessionRecord('s1', { lastActiveAt: T0 }));
        await store.sessions.touchSessions(['s1'], T0 + 1_000);
        await store.sessions.touchSessions(['s1'], T0 + 200);
        assert.equal((await store.sessions.getSession('s1'))?.lastActiveAt, T0 + 1_000);
      });

      it('accepts an empty touch', async () => {
        await store.sessions.touchSessions([], T0);
      });

      it('deletes a session with its events and reports whether it existed', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        await store.sessions.createSession(sessionRecord('s2'));
        const [gone] = await store.events.appendEvents([newEvent('s1', 'standalone', 1)]);
        const [kept] = await store.events.appendEvents([newEvent('s2', 'standalone', 2)]);

        assert.equal(await store.sessions.deleteSession('s1'), true);
        assert.equal(await store.sessions.deleteSession('s1'), false);

        assert.equal(await store.sessions.getSession('s1'), null);
        assert.equal(await store.events.getEvent('s1', gone.seq), null);
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0), []);
        assert.deepEqual(await store.events.getEvent('s2', kept.seq), kept);
      });

      it('expires sessions idle since before the cutoff, with their events, and returns their ids', async () => {
        await store.sessions.createSession(sessionRecord('old1', { lastActiveAt: T0 - 2_000 }));
        await store.sessions.createSession(sessionRecord('old2', { lastActiveAt: T0 - 1 }));
        await store.sessions.createSession(sessionRecord('edge', { lastActiveAt: T0 }));
        await store.sessions.createSession(sessionRecord('fresh', { lastActiveAt: T0 + 1_000 }));
        const [oldEvent] = await store.events.appendEvents([newEvent('old1', 'standalone', 1)]);
        const [freshEvent] = await store.events.appendEvents([newEvent('fresh', 'standalone', 2)]);

        const expired = await store.sessions.expireSessions(T0);

        assert.deepEqual([...expired].sort(), ['old1', 'old2']);
        assert.equal(await store.sessions.countSessions(), 2);
        assert.equal(await store.sessions.getSession('old1'), null);
        assert.notEqual(await store.sessions.getSession('edge'), null);
        assert.equal(await store.events.getEvent('old1', oldEvent.seq), null);
        assert.deepEqual(await store.events.getEvent('fresh', freshEvent.seq), freshEvent);
        assert.deepEqual(await store.sessions.expireSessions(T0), []);
      });

      it('counts sessions', async () => {
        assert.equal(await store.sessions.countSessions(), 0);
        for (const id of ['a', 'b', 'c']) await store.sessions.createSession(sessionRecord(id));
        assert.equal(await store.sessions.countSessions(), 3);
        await store.sessions.deleteSession('b');
        assert.equal(await store.sessions.countSessions(), 2);
      });
    });

    describe('events', () => {
      beforeEach(async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        await store.sessions.createSession(sessionRecord('s2'));
      });

      it('assigns strictly increasing seqs in batch order and across batches', async () => {
        const first = await store.events.appendEvents([
          newEvent('s1', 'standalone', 1),
          newEvent('s2', 'req:1', 2),
          newEvent('s1', 'req:1', 3),
        ]);
        const second = await store.events.appendEvents([newEvent('s2', 'standalone', 4), newEvent('s1', 'standalone', 5)]);
        const seqs = [...first, ...second].map((e) => e.seq);
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], `seqs not increasing: ${seqs}`);
        assert.ok(seqs.every(Number.isSafeInteger));
        assert.deepEqual(
          first.map((e) => e.message.params),
          [{ n: 1 }, { n: 2 }, { n: 3 }],
        );
      });

      it('returns what it stored, with createdAt from the clock', async () => {
        clock.set(T0 + 42);
        const [stored] = await store.events.appendEvents([newEvent('s1', 'req:"a"', 1)]);
        assert.equal(stored.sessionId, 's1');
        assert.equal(stored.streamId, 'req:"a"');
        assert.equal(stored.createdAt, T0 + 42);
        assert.deepEqual(await store.events.getEvent('s1', stored.seq), stored);
      });

      it('accepts an empty batch', async () => {
        assert.deepEqual(await store.events.appendEvents([]), []);
      });

      it('rejects a batch naming an unknown session and stores none of it', async () => {
        await assert.rejects(
          store.events.appendEvents([newEvent('s1', 'standalone', 1), newEvent('ghost', 'standalone', 2)]),
        );
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0), []);
      });

      it('scopes getEvent to the session', async () => {
        const [e1] = await store.events.appendEvents([newEvent('s1', 'standalone', 1)]);
        assert.deepEqual(await store.events.getEvent('s1', e1.seq), e1);
        assert.equal(await store.events.getEvent('s2', e1.seq), null);
        assert.equal(await store.events.getEvent('s1', e1.seq + 1_000), null);
      });

      it('reads one stream of one session after a seq, in seq order', async () => {
        const stored = await store.events.appendEvents([
          newEvent('s1', 'standalone', 1),
          newEvent('s1', 'req:1', 2),
          newEvent('s2', 'standalone', 3),
          newEvent('s1', 'standalone', 4),
        ]);
        const more = await store.events.appendEvents([newEvent('s1', 'standalone', 5)]);
        const [a, , , b] = stored;
        const [c] = more;

        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0), [a, b, c]);
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', a.seq), [b, c]);
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', c.seq), []);
        assert.deepEqual(await store.events.readEventsAfter('s1', 'req:1', 0), [stored[1]]);
        assert.deepEqual(await store.events.readEventsAfter('s2', 'standalone', 0), [stored[2]]);
        assert.deepEqual(await store.events.readEventsAfter('s2', 'req:1', 0), []);
      });

      it('honours the read limit', async () => {
        const stored = await store.events.appendEvents(
          Array.from({ length: 5 }, (_, i) => newEvent('s1', 'standalone', i)),
        );
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0, 2), stored.slice(0, 2));
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', stored[1].seq, 2), stored.slice(2, 4));
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0, 0), []);
        assert.equal((await store.events.readEventsAfter('s1', 'standalone', 0, 100)).length, 5);
      });

      it('prunes events created before the cutoff and returns how many', async () => {
        clock.set(T0);
        const [old1, old2] = await store.events.appendEvents([newEvent('s1', 'standalone', 1), newEvent('s2', 'standalone', 2)]);
        clock.set(T0 + 1_000);
        const [edge] = await store.events.appendEvents([newEvent('s1', 'standalone', 3)]);
        clock.set(T0 + 2_000);
        const [fresh] = await store.events.appendEvents([newEvent('s1', 'standalone', 4)]);

        assert.equal(await store.events.pruneEvents(T0 + 1_000), 2);

        assert.equal(await store.events.getEvent('s1', old1.seq), null);
        assert.equal(await store.events.getEvent('s2', old2.seq), null);
        assert.deepEqual(await store.events.readEventsAfter('s1', 'standalone', 0), [edge, fresh]);
        assert.equal(await store.events.pruneEvents(T0 + 1_000), 0);
        assert.equal(await store.sessions.countSessions(), 2, 'pruning events keeps sessions');
      });

      it('keeps seqs increasing after the newest events are pruned', async () => {
        const [before] = await store.events.appendEvents([newEvent('s1', 'standalone', 1)]);
        clock.advance(1);
        await store.events.pruneEvents(clock.now());
        const [after] = await store.events.appendEvents([newEvent('s1', 'standalone', 2)]);
        assert.ok(after.seq > before.seq, `seq ${after.seq} reused or went back after ${before.seq}`);
      });
    });

    describe('JSON round trip', () => {
      const tricky: JsonObject = {
        text: 'héllo wörld — 你好 — こんにちは — 🦊👩‍👩‍👧 — e\u0301',
        controls: 'nul:\u0000 tab:\t newline:\n quote:" backslash:\\ slash:/',
        loneSurrogate: 'half \ud800 pair',
        numbers: [0, -1, 1.5, -2.25e-10, 1e21, Number.MAX_SAFE_INTEGER, Number.MIN_SAFE_INTEGER],
        flags: [true, false, null],
        empty: { object: {}, array: [], string: '' },
        nested: { a: { b: { c: { d: [{ e: [1, [2, [3, { f: 'deep' }]]] }] } } } },
        'key with spaces and ünïcode 🔑': 'value',
      };

      it('round-trips nested, unicode and large JSON in sessions', async () => {
        const record = sessionRecord('s1', {
          initializeRequest: { jsonrpc: '2.0', id: 1, method: 'initialize', params: tricky },
          clientInfo: { name: 'ünïcode client 🦊', version: '1.0', extra: tricky },
          subscriptions: ['file:///tmp/ä b.txt', 'ui://🦊'],
        });
        await store.sessions.createSession(record);
        assert.deepEqual(await store.sessions.getSession('s1'), record);
      });

      it('round-trips nested, unicode and large JSON in events', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        const large = 'x'.repeat(2 * 1024 * 1024) + '🦊';
        const messages: JsonObject[] = [
          { jsonrpc: '2.0', method: 'notifications/message', params: tricky },
          { jsonrpc: '2.0', id: 'req-1', result: { content: [{ type: 'text', text: large }] } },
        ];
        const stored = await store.events.appendEvents(messages.map((message) => ({ sessionId: 's1', streamId: 'standalone', message })));
        const read = await store.events.readEventsAfter('s1', 'standalone', 0);
        assert.deepEqual(
          read.map((e) => e.message),
          messages,
        );
        assert.deepEqual(read, stored);
      });

      it('keeps object key order', async () => {
        await store.sessions.createSession(sessionRecord('s1'));
        const message = { z: 1, a: 2, m: { y: 1, b: 2 } };
        const [stored] = await store.events.appendEvents([{ sessionId: 's1', streamId: 'standalone', message }]);
        const read = await store.events.getEvent('s1', stored.seq);
        assert.equal(JSON.stringify(read?.message), JSON.stringify(message));
      });
    });
  });
}
