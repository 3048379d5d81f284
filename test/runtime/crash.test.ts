import assert from 'node:assert/strict';
import { openStore } from '../../src/store/index.js';
import { connectV1 } from '../support/clients.js';
import { fixture, startNode } from '../support/node-process.js';
import { freePort } from '../support/ports.js';
import { onBothStores } from '../support/stores.js';

/**
 * kill -9 a node while it streams events to a client, restart it on the same store and port, and check
 * that the client carries on with the same session: no 404, no re-initialize, and every event the store
 * committed arrives exactly once.
 */
async function crashAndResume(storeUrl: string): Promise<void> {
  const port = String(await freePort());
  const args = ['--port', port, '--store', storeUrl, '--server', fixture('durable-server')];
  let node = await startNode(args);
  const c = await connectV1(node.url);
  const sessionId = c.transport.sessionId!;
  try {
    await c.client.callTool({ name: 'emit', arguments: { count: 100_000, intervalMs: 1 } });
    await c.receivedAtLeast(50);
    const killed = await node.kill('SIGKILL');
    assert.equal(killed.signal, 'SIGKILL');

    node = await startNode(args);
    // The same session answers on the restarted node: no 404, no new initialize.
    const echoed = await c.client.callTool({ name: 'echo', arguments: { text: 'still here' } });
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'still here' }]);
    assert.equal(c.transport.sessionId, sessionId);

    const store = await openStore(storeUrl);
    try {
      const committed = (await store.events.readEventsAfter(sessionId, 'standalone', 0)).map(
        (e) => ((e.message.params as { data: { i: number } }).data.i),
      );
      assert.ok(committed.length >= 50, `at least 50 events committed before the kill, got ${committed.length}`);
      // The GET stream resumes with Last-Event-ID and replays what the client missed.
      await c.receivedAtLeast(committed.length);
      assert.equal(new Set(c.received).size, c.received.length, 'no event delivered twice');
      assert.deepEqual(c.received, committed, 'every committed event delivered once, in order');
      assert.equal(await store.sessions.countSessions(), 1, 'no second session was initialized');
    } finally {
      await store.close();
    }
  } finally {
    await c.client.close().catch(() => undefined);
    await node.kill('SIGKILL');
  }
}

onBothStores('crash: kill -9 and restart on the same store', crashAndResume);
