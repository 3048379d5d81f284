import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startCluster, stopCluster, type ClusterNode } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { initializeBody, MCP_HEADERS } from '../support/in-process.js';
import { fixture } from '../support/node-process.js';
import { createTestDatabase } from '../support/postgres.js';
import { sseMessages } from '../support/sse.js';

const post = (url: string, sessionId: string | null, body: unknown) =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...(sessionId ? { 'mcp-session-id': sessionId } : {}) }, body: JSON.stringify(body) });

async function initialize(url: string): Promise<string> {
  const res = await post(url, null, initializeBody(1, '2025-11-25', { sampling: {}, elicitation: {} }));
  assert.equal(res.status, 200);
  const id = res.headers.get('mcp-session-id')!;
  await res.arrayBuffer();
  assert.equal((await post(url, id, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
  return id;
}

/** The same suite on each store: nodes share only the store, and no request relies on stickiness. */
function anyNode(storeName: string, storeUrl: () => Promise<{ url: string; cleanup(): Promise<void> }>) {
  describe(`any node serves any session (${storeName})`, () => {
    let nodes: ClusterNode[];
    let cleanup: () => Promise<void>;
    before(async () => {
      const s = await storeUrl();
      cleanup = s.cleanup;
      nodes = await startCluster(3, s.url, { server: fixture('../../examples/everything/server') });
    });
    after(async () => {
      await stopCluster(nodes);
      await cleanup();
    });

    it('a session created on node 1 is used on nodes 2 and 3 directly', async () => {
      const id = await initialize(nodes[0].url);
      for (const node of nodes) {
        const res = await post(node.url, id, { jsonrpc: '2.0', id: node.id, method: 'tools/call', params: { name: 'test_simple_text', arguments: {} } });
        assert.equal(res.status, 200, node.id);
        const body = (await res.json()) as { id: string; result: { content: unknown[] } };
        assert.equal(body.id, node.id);
        assert.ok(body.result.content.length > 0);
      }
    });

    it('a notification produced on node 3 reaches the GET stream held by node 2', async () => {
      const id = await initialize(nodes[0].url);
      assert.deepEqual(((await (await post(nodes[0].url, id, { jsonrpc: '2.0', id: 's', method: 'resources/subscribe', params: { uri: 'test://watched-resource' } })).json()) as { result: unknown }).result, {});
      const ctl = new AbortController();
      const stream = await fetch(nodes[1].url, { headers: { accept: 'text/event-stream', 'mcp-session-id': id }, signal: ctl.signal });
      assert.equal(stream.status, 200);
      const messages = sseMessages(stream);
      // node 3 rebuilds the session (with its subscription) and its instance emits the update.
      const res = await post(nodes[2].url, id, { jsonrpc: '2.0', id: 'u', method: 'tools/call', params: { name: 'update_watched_resource', arguments: {} } });
      assert.equal(res.status, 200);
      await res.arrayBuffer();
      const first = await messages.next();
      assert.equal(first.value?.message.method, 'notifications/resources/updated');
      assert.deepEqual(first.value?.message.params, { uri: 'test://watched-resource' });
      ctl.abort();
    });

    it('a sampling request sent from node 3 is answered through node 1', async () => {
      const id = await initialize(nodes[0].url);
      const call = await post(nodes[2].url, id, { jsonrpc: '2.0', id: 'call', method: 'tools/call', params: { name: 'test_sampling', arguments: { prompt: 'hello' } } });
      assert.equal(call.status, 200);
      assert.equal(call.headers.get('content-type'), 'text/event-stream');
      const messages = sseMessages(call);
      const request = (await messages.next()).value!.message as { id: string; method: string };
      assert.equal(request.method, 'sampling/createMessage');
      const answer = await post(nodes[0].url, id, { jsonrpc: '2.0', id: request.id, result: { role: 'assistant', content: { type: 'text', text: 'sampled on the client' }, model: 'test-model' } });
      assert.equal(answer.status, 202);
      const result = (await messages.next()).value!.message as { id: string; result: { content: { text: string }[] } };
      assert.equal(result.id, 'call');
      assert.match(JSON.stringify(result.result), /sampled on the client/);
    });

    it('a log level set on node 1 holds on node 3, and DELETE on node 2 ends the session everywhere', async () => {
      const id = await initialize(nodes[0].url);
      // node 3 holds an instance before the change, so it must learn of it through the bus.
      await (await post(nodes[2].url, id, { jsonrpc: '2.0', id: 1, method: 'ping' })).arrayBuffer();
      const before = await post(nodes[2].url, id, { jsonrpc: '2.0', id: 'l0', method: 'tools/call', params: { name: 'test_tool_with_logging', arguments: {} } });
      assert.equal(before.headers.get('content-type'), 'text/event-stream', 'info logs stream while no level is set');
      await before.arrayBuffer();
      assert.equal((await post(nodes[0].url, id, { jsonrpc: '2.0', id: 2, method: 'logging/setLevel', params: { level: 'error' } })).status, 200);
      // Node 3's instance now drops info logs: the call answers as plain JSON.
      await eventually(async () => {
        const r = await post(nodes[2].url, id, { jsonrpc: '2.0', id: 'l1', method: 'tools/call', params: { name: 'test_tool_with_logging', arguments: {} } });
        const type = r.headers.get('content-type');
        await r.arrayBuffer();
        assert.equal(type, 'application/json');
      });
      const res = await fetch(nodes[1].url, { method: 'DELETE', headers: { 'mcp-session-id': id } });
      assert.equal(res.status, 200);
      // The other nodes learn of the end through the bus (milliseconds).
      for (const node of nodes) {
        await eventually(async () => assert.equal((await post(node.url, id, { jsonrpc: '2.0', id: 3, method: 'ping' })).status, 404, node.id));
      }
    });
  });
}

anyNode('SQLite', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-cluster-'));
  return { url: `sqlite:${join(dir, 'c.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});
anyNode('PostgreSQL', async () => {
  const db = await createTestDatabase();
  return { url: db.url, cleanup: () => db.drop() };
});
