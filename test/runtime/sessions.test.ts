import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ManualClock } from '../../src/core/clock.js';
import { MCP_HEADERS, rawSession, startInProcess } from '../support/in-process.js';

const ping = (url: string, sessionId: string, headers: Record<string, string> = {}) =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 7, method: 'ping' }) });

describe('session lifecycle', () => {
  it('session ids are unguessable visible ASCII, one per initialize', async () => {
    const h = await startInProcess();
    after(() => h.close());
    const ids = await Promise.all(Array.from({ length: 20 }, () => rawSession(h.url)));
    assert.equal(new Set(ids).size, ids.length);
    for (const id of ids) {
      assert.match(id, /^[\x21-\x7e]+$/);
      assert.ok(id.length >= 32, `id ${id} carries at least 192 bits`);
    }
  });

  it('DELETE ends a session; its id then gets 404', async () => {
    const h = await startInProcess();
    after(() => h.close());
    const client = new Client({ name: 'c', version: '1' });
    const transport = new StreamableHTTPClientTransport(new URL(h.url));
    await client.connect(transport);
    const id = transport.sessionId!;
    assert.equal((await ping(h.url, id)).status, 200);
    await transport.terminateSession();
    const res = await ping(h.url, id);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: number } }).error.code, -32001);
    await client.close();
  });

  it('a session idle longer than sessions.idleTtl expires (404), an active one does not', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await startInProcess({ clock, config: { sessions: { idleTtl: '1h', liveIdle: '1m' } } });
    after(() => h.close());
    const idle = await rawSession(h.url);
    const active = await rawSession(h.url);
    for (let minute = 0; minute < 70; minute += 10) {
      clock.advance(10 * 60_000);
      assert.equal((await ping(h.url, active)).status, 200);
      await h.node.sessionEngine.flushTouches();
    }
    h.node.sessionEngine.evictIdle();
    await h.node.sessionEngine.expireIdle();
    assert.equal((await ping(h.url, idle)).status, 404);
    assert.equal((await ping(h.url, active)).status, 200);
  });

  it('an evicted session is rebuilt from the store with its log level and subscriptions', async () => {
    const clock = new ManualClock(Date.parse('2026-01-01T00:00:00Z'));
    const h = await startInProcess({ clock });
    after(() => h.close());
    const id = await rawSession(h.url);
    const call = (method: string, params: Record<string, unknown>) =>
      fetch(h.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', id: method, method, params }) }).then(
        (r) => r.json() as Promise<{ result?: Record<string, unknown>; error?: unknown }>,
      );
    assert.deepEqual((await call('logging/setLevel', { level: 'warning' })).result, {});
    clock.advance(60_000);
    h.node.sessionEngine.evictIdle();
    assert.equal(h.node.sessionEngine.live.size, 0, 'instance released');
    const status = await call('tools/call', { name: 'continuity_status', arguments: {} });
    const sessions = (status.result?.structuredContent as { sessions: { restoredHere: number } }).sessions;
    assert.equal(sessions.restoredHere, 1);
    assert.equal(h.node.sessionEngine.live.get(id)?.record.logLevel, 'warning');
  });

  it('with authentication on, a session is bound to its principal: another principal gets 404', async () => {
    const alice = 'alice-token-0123456789abcdef';
    const bob = 'bob-token-0123456789abcdef0';
    const h = await startInProcess({ config: { mcp: { tokens: [{ token: alice, principal: 'alice' }, { token: bob, principal: 'bob' }] } } });
    after(() => h.close());
    const noToken = await fetch(h.url, { method: 'POST', headers: MCP_HEADERS, body: '{}' });
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('www-authenticate') ?? '', /^Bearer/);
    const wrong = await fetch(h.url, { method: 'POST', headers: { ...MCP_HEADERS, authorization: 'Bearer wrong-token-xxxxxxxxxxxx' }, body: '{}' });
    assert.equal(wrong.status, 401);
    const id = await rawSession(h.url, { authorization: `Bearer ${alice}` });
    assert.equal((await ping(h.url, id, { authorization: `Bearer ${alice}` })).status, 200);
    assert.equal((await ping(h.url, id, { authorization: `Bearer ${bob}` })).status, 404);
  });
});

describe('readiness', () => {
  it('/readyz is 200 while serving and not ready once draining', async () => {
    const h = await startInProcess();
    const ready = await fetch(h.url.replace('/mcp', '/readyz'));
    assert.equal(ready.status, 200);
    assert.equal(((await ready.json()) as { store: string }).store, 'ok');
    const stopping = h.node.stop();
    const r = await h.node.readiness();
    assert.equal(r.ready, false);
    assert.equal(r.checks.draining, true);
    await stopping;
    await h.close();
  });

  it('/metrics speaks Prometheus text with the node labels', async () => {
    const h = await startInProcess({ config: { nodeId: 'metrics-node' } });
    after(() => h.close());
    await rawSession(h.url);
    const text = await (await fetch(h.url.replace('/mcp', '/metrics'))).text();
    assert.match(text, /continuum_sessions_created_total\{node="metrics-node",region="local"\} 1/);
    assert.match(text, /continuum_http_requests_total\{route="mcp",method="POST",status="200",node="metrics-node"/);
  });
});
