/**
 * Isolation: while its heartbeats fail, a node asks its peers' /readyz when they last reached the store.
 * Real HTTP peers on loopback: one that reached it just now, one whose last success is old (a database
 * outage looks like that), one that cannot reach it, one that never answers, one that is gone.
 */
import assert from 'node:assert/strict';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { IsolationTracker, peersReachingStore, type Peer } from '../../src/cluster/isolation.js';
import { freePort } from '../support/ports.js';

async function peer(answer: (res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => (req.url === '/readyz' ? answer(res) : res.writeHead(404).end()));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp` };
}

const json = (status: number, body: unknown) => (res: ServerResponse) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

describe('isolation: does this node alone lose the store?', () => {
  const servers: Server[] = [];
  const hanging: ServerResponse[] = [];
  let p: Record<'fresh' | 'stale' | 'cutToo' | 'hangs' | 'gone', Peer>;
  before(async () => {
    const fresh = await peer(json(200, { status: 'ready', store: 'ok', storeOkAgoMs: 50 }));
    const stale = await peer(json(200, { status: 'ready', store: 'ok', storeOkAgoMs: 60_000 }));
    const cutToo = await peer(json(200, { status: 'ready', store: 'unreachable: the last heartbeat failed', storeOkAgoMs: 60_000 }));
    const hangs = await peer((res) => void hanging.push(res));
    servers.push(fresh.server, stale.server, cutToo.server, hangs.server);
    p = {
      fresh: { id: 'fresh', url: fresh.url },
      stale: { id: 'stale', url: stale.url },
      cutToo: { id: 'cut-too', url: cutToo.url },
      hangs: { id: 'hangs', url: hangs.url },
      gone: { id: 'gone', url: `http://127.0.0.1:${await freePort()}/mcp` },
    };
  });
  after(async () => {
    for (const res of hanging) res.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('counts only peers that answer in time that they reached the store since this node began failing', async () => {
    assert.deepEqual(await peersReachingStore(Object.values(p), 300, 1000), ['fresh']);
    assert.deepEqual(await peersReachingStore(Object.values(p), 300, 10), [], 'a success older than the failure vouches for nothing');
  });

  it('is isolated once a peer vouches, and not after the next good heartbeat', async () => {
    let clock = 0;
    const changes: [boolean, string[]][] = [];
    const t = new IsolationTracker({ timeoutMs: 300, everyMs: 60_000, now: () => clock, onChange: (isolated, ids) => void changes.push([isolated, ids]) });
    try {
      await t.observe(false, () => [p.stale, p.cutToo, p.gone]);
      assert.equal(t.isolated, false, 'no peer reached the store since: it is down for everyone');
      clock = 500;
      await t.ask(() => [p.fresh, p.stale]);
      assert.equal(t.isolated, true);
      await t.observe(true, () => []);
      assert.equal(t.isolated, false);
      assert.deepEqual(changes, [[true, ['fresh']], [false, []]]);
    } finally {
      t.stop();
    }
  });

  it('is not isolated while its own link still answers a fresh connection (a slow store, not a cut)', async () => {
    let clock = 0;
    let alive = true;
    let probes = 0;
    const t = new IsolationTracker({ timeoutMs: 300, everyMs: 60_000, now: () => clock, linkAlive: async () => (probes++, alive) });
    try {
      await t.observe(false, () => []);
      clock = 500;
      await t.ask(() => [p.fresh]);
      assert.equal(t.isolated, false, 'a peer vouches, but this node still reaches the store: it is slow');
      alive = false;
      clock = 5_000;
      await t.ask(() => [p.fresh]);
      assert.equal(t.isolated, false, 'the link was probed 4.5 s ago: not again yet');
      clock = 11_000;
      await t.ask(() => [p.fresh]);
      assert.equal(t.isolated, true, 'probed again: the link answers nothing, it is cut');
      clock = 20_000;
      await t.ask(() => [p.fresh]);
      assert.equal(probes, 2, 'a cut link is not probed again until a good heartbeat');
    } finally {
      t.stop();
    }
  });

  it('drops a round of questions overtaken by a good heartbeat', async () => {
    let clock = 0;
    const t = new IsolationTracker({ timeoutMs: 300, everyMs: 60_000, now: () => clock });
    try {
      await t.observe(false, () => [p.gone]);
      clock = 5000;
      const asking = t.ask(() => [p.fresh, p.hangs]);
      await t.observe(true, () => []);
      await asking;
      assert.equal(t.isolated, false, 'the store answered meanwhile');
    } finally {
      t.stop();
    }
  });
});
