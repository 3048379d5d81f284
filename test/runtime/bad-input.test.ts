import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { httpRequest, initializeBody, MCP_HEADERS, rawSession, startInProcess } from '../support/in-process.js';

interface Case {
  name: string;
  method?: string;
  headers?: Record<string, string>;
  /** A string is sent as is; anything else as JSON. */
  body?: unknown;
  /** Add the live session's id. */
  withSession?: boolean;
  status: number;
  /** Expected JSON-RPC error code in the body, when the answer carries one. */
  code?: number;
}

const CASES: Case[] = [
  { name: 'foreign Origin', headers: { origin: 'https://evil.example' }, body: initializeBody(), status: 403, code: -32000 },
  { name: 'malformed Origin', headers: { origin: 'not a url' }, body: initializeBody(), status: 403, code: -32000 },
  { name: 'foreign Host (DNS rebinding)', headers: { host: 'evil.example:8080' }, body: initializeBody(), status: 403, code: -32000 },
  { name: 'body over the limit', body: 'x'.repeat(70_000), status: 413, code: -32000 },
  { name: 'unsupported MCP-Protocol-Version', headers: { 'mcp-protocol-version': '1999-01-01' }, withSession: true, body: { jsonrpc: '2.0', id: 2, method: 'ping' }, status: 400 },
  { name: 'malformed JSON', body: '{"jsonrpc": "2.0", "id": 1, "method": ', status: 400, code: -32700 },
  { name: 'not JSON-RPC', body: { hello: 'world' }, status: 400, code: -32600 },
  { name: 'empty batch', body: [], status: 400, code: -32600 },
  { name: 'initialize inside a batch', body: [initializeBody(1), { jsonrpc: '2.0', id: 2, method: 'ping' }], status: 400, code: -32600 },
  { name: 'unknown session', headers: { 'mcp-session-id': 'no-such-session' }, body: { jsonrpc: '2.0', id: 2, method: 'ping' }, status: 404, code: -32001 },
  { name: 'missing session id', body: { jsonrpc: '2.0', id: 2, method: 'ping' }, status: 400, code: -32000 },
  { name: 'wrong HTTP method', method: 'PUT', body: initializeBody(), status: 405, code: -32000 },
  { name: 'wrong Content-Type', headers: { 'content-type': 'text/plain' }, body: initializeBody(), status: 415, code: -32000 },
  { name: 'Accept without text/event-stream', headers: { accept: 'application/json' }, body: initializeBody(), status: 406, code: -32000 },
  { name: 'GET without a session', method: 'GET', headers: { accept: 'text/event-stream' }, status: 400, code: -32000 },
  { name: 'GET with a foreign Last-Event-ID', method: 'GET', withSession: true, headers: { accept: 'text/event-stream', 'last-event-id': '../../etc' }, status: 400, code: -32000 },
  { name: 'DELETE of an unknown session', method: 'DELETE', headers: { 'mcp-session-id': 'nope' }, status: 404, code: -32001 },
];

describe('bad input: each gets a clear error and the node keeps serving good clients', () => {
  let h: Awaited<ReturnType<typeof startInProcess>>;
  let good: Client;
  let sessionId: string;

  before(async () => {
    h = await startInProcess({ config: { mcp: { maxBodyBytes: 65_536 } } });
    good = new Client({ name: 'good', version: '1' });
    await good.connect(new StreamableHTTPClientTransport(new URL(h.url)));
    sessionId = await rawSession(h.url);
  });
  after(async () => {
    await good.close();
    await h.close();
  });

  for (const c of CASES) {
    it(`${c.name} -> ${c.status}`, async () => {
      const headers: Record<string, string> = { ...MCP_HEADERS, ...c.headers };
      if (c.withSession) headers['mcp-session-id'] = sessionId;
      const body = c.body === undefined ? undefined : typeof c.body === 'string' ? c.body : JSON.stringify(c.body);
      const res = await httpRequest(h.url, { method: c.method ?? 'POST', headers, body });
      assert.equal(res.status, c.status, res.text);
      if (c.code !== undefined) {
        const json = JSON.parse(res.text) as { jsonrpc: string; error: { code: number; message: string } };
        assert.equal(json.jsonrpc, '2.0');
        assert.equal(json.error.code, c.code);
        assert.ok(json.error.message.length > 0);
      }
      // The node still serves a good client, and the good session is intact.
      const tools = await good.listTools();
      assert.ok(tools.tools.some((t) => t.name === 'continuity_status'));
    });
  }

  it('a GET when a stream is already open -> 409', async () => {
    const ctl = new AbortController();
    const first = await fetch(h.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId }, signal: ctl.signal });
    assert.equal(first.status, 200);
    const second = await fetch(h.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId } });
    assert.equal(second.status, 409);
    await second.arrayBuffer();
    ctl.abort();
  });

  it('unknown paths -> 404 JSON listing the routes', async () => {
    const res = await fetch(h.url.replace('/mcp', '/nope'));
    assert.equal(res.status, 404);
    assert.deepEqual(((await res.json()) as { routes: string[] }).routes, ['/mcp', '/healthz', '/readyz', '/metrics']);
  });
});

describe('messages the SDK would drop get a 400, never a hanging POST', () => {
  let h: Awaited<ReturnType<typeof startInProcess>>;
  let sessionId: string;
  before(async () => {
    h = await startInProcess();
    sessionId = await rawSession(h.url);
  });
  after(() => h.close());

  for (const body of [
    { jsonrpc: '2.0', id: 1.5, method: 'ping' },
    { jsonrpc: '2.0', id: 1, method: 'ping', params: [] },
    { jsonrpc: '2.0', id: 1, method: 'ping', params: null },
  ]) {
    it(JSON.stringify(body), async () => {
      const res = await httpRequest(h.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify(body) });
      assert.equal(res.status, 400);
      assert.equal((JSON.parse(res.text) as { error: { code: number } }).error.code, -32600);
    });
  }
});
