import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { connectV1 } from '../support/clients.js';
import { startCluster, stopCluster } from '../support/cluster.js';
import { startHaproxy } from '../support/haproxy.js';
import { onBothStores } from '../support/stores.js';
import { within } from '../support/eventually.js';

interface Op {
  client: number;
  start: number;
  end: number;
  ok: boolean;
  error?: string;
  retryOk?: boolean;
}

/**
 * Clients through a real HAProxy to three nodes; kill -9 one node at a time, several times, mid-traffic.
 * Checked against a recorded history: no session lost, failures only among calls in flight at a kill
 * (and each retried successfully), and every committed notification delivered exactly once.
 */
async function killUnderLoad(storeUrl: string): Promise<void> {
  const nodes = await startCluster(3, storeUrl);
  const lb = await startHaproxy(nodes.map((n) => ({ id: n.id, port: n.port })));
  const clients = await Promise.all(Array.from({ length: 6 }, (_, i) => connectV1(lb.url, `load-${i}`)));
  const sessionIds = clients.map((c) => c.transport.sessionId);
  const history: Op[] = [];
  const kills: number[] = [];
  let running = true;
  let completed = 0;
  const progressWaiters: { n: number; resolve: () => void }[] = [];
  const inFlight = new Map<number, Op>();
  const load = clients.map(async (c, client) => {
    for (let n = 0; running; n++) {
      const op: Op = { client, start: Date.now(), end: 0, ok: false };
      inFlight.set(client, op);
      try {
        const r = await c.client.callTool({ name: 'echo', arguments: { text: `${client}:${n}` } });
        op.ok = JSON.stringify(r.content) === JSON.stringify([{ type: 'text', text: `${client}:${n}` }]);
      } catch (err) {
        op.error = (err as Error).message;
        const retry = await c.client.callTool({ name: 'echo', arguments: { text: `${client}:${n}:retry` } }).then(
          () => true,
          () => false,
        );
        op.retryOk = retry;
      }
      op.end = Date.now();
      history.push(op);
      completed++;
      for (const w of progressWaiters.filter((w) => completed >= w.n)) {
        progressWaiters.splice(progressWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
  });
  // What a stuck wait reports: the calls still open (how long, and whether they are retries) and the stream.
  const state = () => {
    const now = Date.now();
    const open = [...inFlight.values()].filter((o) => o.end === 0).map((o) => `client ${o.client} ${o.error ? `retrying after "${o.error}"` : 'calling'} for ${now - o.start} ms`);
    return `${completed} calls done; open: ${open.join('; ') || 'none'}; kills at +${kills.map((t) => now - t).join(', +')} ms ago; client 0 received ${clients[0]?.received.length ?? 0} notifications`;
  };
  // A call that hangs (it times out at the SDK's 60 s, its retry too) would stall the whole test: bound each wait.
  const afterCalls = (k: number) =>
    within(new Promise<void>((resolve) => progressWaiters.push({ n: completed + k, resolve })), 45_000, () => `waiting for ${k} more calls: ${state()}`);

  try {
    // A stream of numbered notifications on one session's GET stream, across the kills.
    await clients[0].client.callTool({ name: 'emit', arguments: { count: 1_000_000, intervalMs: 5 } });
    await afterCalls(100);
    for (let k = 0; k < 3; k++) {
      const victim = nodes[k % nodes.length];
      kills.push(Date.now());
      await victim.kill('SIGKILL');
      await within(victim.start(), 45_000, () => `${victim.id} did not come back ready: ${state()}`);
      await afterCalls(150);
    }
    running = false;
    await within(Promise.all(load), 45_000, () => `waiting for the last calls: ${state()}`);

    const failures = history.filter((o) => !o.ok);
    for (const f of failures) {
      assert.ok(kills.some((t) => f.start <= t && t <= f.end), `call of client ${f.client} failed outside any kill: ${f.error}`);
      assert.equal(f.retryOk, true, `retry of a failed call succeeds on another node (${f.error})`);
    }
    assert.ok(history.length >= 500, `enough traffic: ${history.length} calls`);
    assert.deepEqual(clients.map((c) => c.transport.sessionId), sessionIds, 'every client kept its session');

    const store = await openStore(storeUrl);
    try {
      assert.equal(await store.sessions.countSessions(), clients.length, 'no client had to initialize again');
      const committed = (await store.events.readEventsAfter(sessionIds[0]!, 'standalone', 0)).map((e) => (e.message.params as { data: { i: number } }).data.i);
      const c0 = clients[0];
      await within(c0.receivedAtLeast(committed.length), 30_000, () => `client 0 received ${c0.received.length} of ${committed.length} committed notifications, last ${c0.received.slice(-3).join(',')}; GET stream lost?`);
      const firstRepeat = c0.received.findIndex((v, k) => c0.received.indexOf(v) !== k);
      assert.equal(firstRepeat, -1, `no notification delivered twice; the first repeat is at ${firstRepeat}: ${JSON.stringify(c0.received.slice(Math.max(0, firstRepeat - 5), firstRepeat + 5))} (${new Set(c0.received).size} distinct of ${c0.received.length})`);
      const got = c0.received.slice(0, committed.length);
      const at = got.findIndex((v, k) => v !== committed[k]);
      assert.equal(at, -1, `every committed notification delivered in order; first difference at ${at}: received ${JSON.stringify(got.slice(Math.max(0, at - 3), at + 3))}, committed ${JSON.stringify(committed.slice(Math.max(0, at - 3), at + 3))} (${got.length}/${committed.length})`);
    } finally {
      await store.close();
    }
  } finally {
    running = false;
    await Promise.allSettled(load);
    await Promise.allSettled(clients.map((c) => c.client.close()));
    await lb.stop();
    await stopCluster(nodes);
  }
}

onBothStores('kill -9 a node mid-traffic, through a real load balancer', killUnderLoad);
