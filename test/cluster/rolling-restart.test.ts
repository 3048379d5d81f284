import assert from 'node:assert/strict';
import { connectV1 } from '../support/clients.js';
import { startCluster, stopCluster } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { startHaproxy } from '../support/haproxy.js';
import { onBothStores } from '../support/stores.js';

/** SIGTERM every node in turn under load, restarting each before the next: no client sees an error. */
async function rollingRestart(storeUrl: string): Promise<void> {
  const nodes = await startCluster(3, storeUrl);
  const lb = await startHaproxy(nodes.map((n) => ({ id: n.id, port: n.port })));
  const clients = await Promise.all(Array.from({ length: 4 }, (_, i) => connectV1(lb.url, `rolling-${i}`)));
  const errors: string[] = [];
  let calls = 0;
  let running = true;
  const load = clients.map(async (c, i) => {
    for (let n = 0; running; n++) {
      try {
        const r = await c.client.callTool({ name: 'echo', arguments: { text: `${i}:${n}` } });
        assert.deepEqual(r.content, [{ type: 'text', text: `${i}:${n}` }]);
        calls++;
      } catch (err) {
        errors.push(`client ${i} call ${n}: ${(err as Error).message}`);
      }
    }
  });
  try {
    for (const node of nodes) {
      const before = calls;
      const exit = node.proc!.kill('SIGTERM');
      assert.deepEqual(await exit, { code: 0, signal: null }, `${node.id} drained and exited cleanly`);
      node.proc = null;
      await node.start();
      await eventually(async () => assert.equal((await fetch(node.url.replace('/mcp', '/readyz'))).status, 200));
      await eventually(async () => assert.ok(calls > before + 50, 'traffic flowed during the restart'));
    }
    running = false;
    await Promise.all(load);
    assert.deepEqual(errors, [], 'no client-visible error during the rolling restart');
    assert.ok(calls > 150, `${calls} calls`);
  } finally {
    running = false;
    await Promise.allSettled(load);
    await Promise.allSettled(clients.map((c) => c.client.close()));
    await lb.stop();
    await stopCluster(nodes);
  }
}

onBothStores('rolling restart of every node under load', rollingRestart);
