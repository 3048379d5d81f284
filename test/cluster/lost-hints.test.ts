/**
 * A node that commits an event for a stream another node holds announces it on the bus after the commit.
 * Killed in between (kill -9), it never announces it. The node holding the stream must still deliver it:
 * it re-reads its connected streams when a peer is lost (stopped, or back as a new process).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import createServer from '../fixtures/durable-server.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/port.js';
import { connectV1 } from '../support/clients.js';
import { eventually, within } from '../support/eventually.js';
import { startInProcess } from '../support/in-process.js';

const FAST = { heartbeat: '100ms', failAfter: '600ms' };

/** A peer node that is only a store handle: it heartbeats, commits an event with no hint, and stops. */
function peer(store: Store, id: string) {
  let bootId = `${id}-boot-1`;
  const beat = () => store.nodes.heartbeat({ id, region: 'default', url: `http://${id}.invalid/mcp`, state: { bootId } });
  const timer = setInterval(() => void beat().catch(() => undefined), 100);
  return {
    beat,
    /** Commits a log notification to the session's standalone stream, as that session's owner would. */
    commit: (sessionId: string, i: number) =>
      store.events.appendEvents([{ sessionId, streamId: 'standalone', message: { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: { i } } } }]),
    die: () => clearInterval(timer),
    restart: async () => {
      bootId = `${id}-boot-2`;
      await beat();
    },
  };
}

async function scenario(how: 'dies' | 'restarts'): Promise<void> {
  const h = await startInProcess({ factory: createServer, config: { nodeId: 'holder', cluster: FAST } });
  const store = await openStore(`sqlite:${join(h.dir, 'c.db')}`);
  const x = peer(store, 'peer-x');
  const c = await connectV1(h.url, 'lost-hints');
  try {
    await x.beat();
    await eventually(async () => assert.deepEqual(h.node.cluster?.healthyPeerIds, ['peer-x']), 5000);
    // The holder's own notification proves the client's GET stream is connected to it.
    await c.client.callTool({ name: 'emit', arguments: { count: 1, intervalMs: 1 } });
    await within(c.receivedAtLeast(1), 10_000, () => `the holder's own notification never came (${c.received})`);

    await x.commit(c.transport.sessionId!, 100);
    if (how === 'dies') x.die();
    else await x.restart();
    await within(c.receivedAtLeast(2), 10_000, () => `the peer's committed notification never reached the stream: received ${JSON.stringify(c.received)}`);
    assert.deepEqual(c.received, [0, 100]);
  } finally {
    x.die();
    await c.client.close();
    await store.close();
    await h.close();
  }
}

describe('a committed event whose hint died with its node', () => {
  it('reaches the stream once the node holding it sees the peer stop heartbeating', () => scenario('dies'));
  it('reaches the stream once the peer is back as a new process (a restart faster than failAfter)', () => scenario('restarts'));
});
