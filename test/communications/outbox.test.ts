/**
 * The outbox's delivery guarantees on a real SQLite store and loopback receivers, under an injected
 * clock: a receiver down for a while gets every message after it recovers, in order per incident, with
 * the failed attempts on the timeline; rate limits hold; a message past giveUpAfter is given up and
 * says so; messages committed while the store is down go to the local spool, are delivered from it and
 * reach the store once it is back.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, it } from 'node:test';
import { SlackChannel, WebhookChannel } from '../../src/communications/channels/http.js';
import { communicationsConfigSchema } from '../../src/communications/config.js';
import { Outbox } from '../../src/communications/outbox.js';
import { ManualClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { eventually } from '../support/eventually.js';
import { responder, SILENT, startControl, T0 } from '../support/control.js';
import { startHttpReceiver, type HttpReceiver } from './receiver.js';

describe('a receiver down for a while', () => {
  let r: HttpReceiver;
  let h: Awaited<ReturnType<typeof startControl>>;
  beforeEach(async () => {
    r = await startHttpReceiver({ mode: 'down' });
    h = await startControl({
      config: {
        communications: {
          channels: [{ type: 'webhook', name: 'hook', url: `${r.base}/hook`, timeout: '2s' }],
          routes: [{ channel: 'hook' }],
          outbox: { interval: '20ms', backoff: { initial: '1s', max: '8s' } },
        },
      } as never,
    });
  });
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  it('gets every message after it recovers, in order per incident, with the failures on the timeline', async () => {
    const svc = h.control.incidents;
    const a = await svc.declare({ title: 'A', severity: 'P2' }, responder);
    const b = await svc.declare({ title: 'B', severity: 'P3' }, responder);
    await svc.update(a.id, { status: 'identified', message: 'a1' }, responder);
    await svc.update(b.id, { status: 'identified', message: 'b1' }, responder);
    await svc.update(a.id, { status: 'monitoring', message: 'a2' }, responder);
    await svc.resolve(a.id, 'a fixed', responder);
    await svc.resolve(b.id, 'b fixed', responder);
    await svc.settled();
    const expected = { [a.id]: ['initial', 'update', 'update', 'resolution'], [b.id]: ['initial', 'update', 'resolution'] };

    // While down: only the oldest message of each incident is tried (the others wait behind it), again
    // and again with growing intervals.
    const outbox = h.control.communications.outbox;
    for (let i = 0; i < 4; i++) {
      // Attempts record their outcome (and next due time) on the clock as it is: let them finish first.
      await outbox.idle();
      const before = r.hits.length;
      h.clock.advance(10_000);
      h.control.communications.outbox.kick();
      await eventually(async () => assert.ok(r.hits.length >= before + 2, JSON.stringify({ before, now: r.hits.length, pending: (await h.control.communications.outbox.status()).pending.map((p) => [p.seq, p.attempts, p.nextAttemptAt - h.clock.now(), p.claimedBy]) })), 10_000);
    }
    const tried = new Set(r.hits.map((x) => `${(x.body as { incident: { id: string } }).incident.id}:${(x.body as { template: string }).template}`));
    assert.deepEqual([...tried].sort(), [`${a.id}:initial`, `${b.id}:initial`].sort());
    assert.equal(r.accepted.length, 0);

    r.setMode('up');
    await outbox.idle();
    h.clock.advance(10_000);
    h.control.communications.outbox.kick();
    await r.until(() => r.accepted.length === 7);
    for (const id of [a.id, b.id]) {
      const got = r.accepted.map((x) => x.body as { template: string; incident: { id: string } }).filter((x) => x.incident.id === id).map((x) => x.template);
      assert.deepEqual(got, expected[id], `in order for ${id}`);
    }
    const keys = r.hits.filter((x) => (x.body as { incident: { id: string } }).incident.id === a.id && (x.body as { template: string }).template === 'initial').map((x) => x.key);
    assert.ok(keys.length >= 5 && new Set(keys).size === 1, 'every retry carries the same idempotency key');

    await h.control.communications.outbox.idle();
    const { timeline } = (await svc.get(a.id))!;
    const attempts = timeline.filter((t) => t.type === 'incident.page_sent').map((t) => t.what);
    assert.ok(attempts.some((w) => /Paged \(attempt 2, initial\): hook FAILED/.test(w)), attempts.join('\n'));
    assert.ok(attempts.some((w) => /Paged \(attempt \d+, initial\): hook ok/.test(w)), attempts.join('\n'));
    const status = await h.control.communications.outbox.status();
    assert.deepEqual(status.stats.map((s) => [s.channel, s.status, s.count]), [['hook', 'delivered', 7]]);
  });
});

describe('outbox worker', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  async function setup(channels: (clock: ManualClock) => (SlackChannel | WebhookChannel)[], opts: { rates?: Record<string, { perSecond: number; burst: number }>; config?: object } = {}) {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-outbox-'));
    dirs.push(dir);
    const clock = new ManualClock(T0);
    const store = new SqliteStore(join(dir, 'c.db'), { clock });
    await store.migrate();
    const config = communicationsConfigSchema.parse({ outbox: { interval: '10ms', backoff: { initial: '1s', max: '1s' }, ...opts.config } }).outbox;
    const make = (s: SqliteStore) =>
      new Outbox({ store: s.outbox, events: s.controlEvents, channels: channels(clock), clock, random: cryptoRandom, nodeId: 'n1', log: SILENT, config, rates: opts.rates ?? {}, spoolPath: join(dir, 'spool.jsonl') });
    return { dir, clock, store, make };
  }

  const draft = (channel: string, n: number, orderKey = `inc-${n}`) => ({
    channel,
    recipient: null,
    template: 'initial',
    content: { text: `message ${n}`, body: { n } },
    idempotencyKey: `msg_test_${channel}_${n}`,
    incidentId: null,
    orderKey,
  });

  it('holds a channel to its rate limit (Slack: one a second) and loses nothing in a burst', async () => {
    const r = await startHttpReceiver();
    const { clock, store, make } = await setup(() => [new SlackChannel({ type: 'slack', name: 'slack', url: `${r.base}/slack`, to: [] }, 2000)], { rates: { slack: { perSecond: 1, burst: 1 } } });
    const outbox = make(store);
    try {
      await outbox.commit(Array.from({ length: 5 }, (_, i) => draft('slack', i)));
      await r.until(() => r.hits.length === 1);
      await outbox.idle();
      await outbox.runOnce();
      assert.equal(r.hits.length, 1, 'no second message within the same second');
      for (let i = 2; i <= 5; i++) {
        clock.advance(1000);
        outbox.kick();
        await r.until(() => r.hits.length === i);
      }
      assert.deepEqual(r.accepted.map((x) => (x.body as { text: string }).text).sort(), [0, 1, 2, 3, 4].map((n) => `message ${n}`));
    } finally {
      await outbox.stop();
      await store.close();
      await r.close();
    }
  });

  it('gives a message up after giveUpAfter, and reports it', async () => {
    const r = await startHttpReceiver({ mode: 'down' });
    const { clock, store, make } = await setup((c) => [new WebhookChannel({ name: 'hook', url: `${r.base}/hook`, secrets: [], headers: {} }, 2000, c)], { config: { giveUpAfter: '5s' } });
    const outbox = make(store);
    try {
      await outbox.commit([draft('hook', 1)]);
      await r.until(() => r.hits.length === 1);
      await outbox.idle();
      clock.advance(6_000);
      outbox.kick();
      await r.until(() => r.hits.length === 2);
      await outbox.idle();
      const status = await outbox.status();
      assert.equal(status.dead.length, 1);
      assert.equal(status.dead[0].lastError, 'HTTP 503');
      assert.equal(status.dead[0].attempts, 2);
    } finally {
      await outbox.stop();
      await store.close();
      await r.close();
    }
  });

  it('commits to the local spool while the store is down, delivers from it, and moves it into the store later', async () => {
    const r = await startHttpReceiver();
    const { dir, clock, store, make } = await setup((c) => [new WebhookChannel({ name: 'hook', url: `${r.base}/hook`, secrets: [], headers: {} }, 2000, c)]);
    await store.close(); // the store is unreachable: every call fails
    const down = make(store);
    const [committed] = await down.commit([draft('hook', 7)]);
    assert.equal(committed.in, 'spool');
    await r.until(() => r.accepted.length === 1);
    await down.stop();
    assert.equal(r.accepted[0].key, 'msg_test_hook_7');

    const back = new SqliteStore(join(dir, 'c.db'), { clock });
    const up = make(back);
    try {
      assert.equal(up.spool.unstored().length, 1, 'the spool survives the process');
      clock.advance(5_000);
      await up.runOnce();
      assert.equal(up.spool.unstored().length, 0);
      const m = await back.outbox.findByKey('msg_test_hook_7');
      assert.equal(m?.status, 'delivered');
      assert.equal(m?.attempts, 1);
      await up.runOnce();
      await up.idle();
      assert.equal(r.hits.length, 1, 'not sent again');
    } finally {
      await up.stop();
      await back.close();
      await r.close();
    }
  });
});
