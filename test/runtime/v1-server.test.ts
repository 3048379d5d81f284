import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import createV1Server from '../fixtures/v1-server.js';
import { MCP_HEADERS, startInProcess } from '../support/in-process.js';
import { httpV1, httpV2 } from '../support/sdk-harness.js';

describe('a server written with SDK v1', () => {
  it('serves 2025-era clients of both SDKs, with progress, through durable sessions', async () => {
    const h = await startInProcess({ factory: createV1Server as never });
    after(() => h.close());
    for (const connect of [httpV1(h.url), httpV2(h.url, 'legacy')]) {
      const c = await connect();
      assert.deepEqual((await c.callTool('echo', { text: 'hi' })).content, [{ type: 'text', text: 'hi' }]);
      const seen: number[] = [];
      await c.callTool('count', { to: 3 }, { onprogress: (p) => seen.push(p.progress) });
      assert.deepEqual(seen, [1, 2, 3]);
      await c.close();
    }
  });

  it('answers 2026-07-28 requests with a clear 400 (SDK v1 does not speak that revision)', async () => {
    const h = await startInProcess({ factory: createV1Server as never });
    after(() => h.close());
    const res = await fetch(h.url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-protocol-version': '2026-07-28', 'mcp-method': 'server/discover' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'server/discover', params: { _meta: { 'io.modelcontextprotocol/protocolVersion': '2026-07-28', 'io.modelcontextprotocol/clientCapabilities': {} } } }),
    });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /SDK v1/);
  });
});
