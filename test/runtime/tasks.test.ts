/** The tasks extension on one node (in process): cancellation where the work runs, errors, pass-through. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import createExampleServer from '../../examples/everything/server.js';
import { initializeBody, MCP_HEADERS, startInProcess } from '../support/in-process.js';

type Reply = { result?: Record<string, unknown>; error?: { code: number; message: string } };

describe('tasks on one node', () => {
  let h: Awaited<ReturnType<typeof startInProcess>>;
  let session: string;
  let n = 0;
  const rpc = async (method: string, params: Record<string, unknown>, sessionId = session): Promise<Reply> => {
    const res = await fetch(h.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: ++n, method, params }) });
    assert.equal(res.status, 200);
    const text = await res.text();
    // A plain JSON answer, or an SSE stream whose last data line is the answer.
    const data = text.startsWith('{') ? text : text.split('\n').filter((l) => l.startsWith('data: {')).pop()!.slice(6);
    return JSON.parse(data) as Reply;
  };
  const open = async (protocolVersion: string): Promise<{ id: string; capabilities: Record<string, unknown> }> => {
    const res = await fetch(h.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeBody(1, protocolVersion)) });
    const body = (await res.json()) as { result: { capabilities: Record<string, unknown> } };
    const id = res.headers.get('mcp-session-id')!;
    await fetch(h.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': id }, body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }) });
    return { id, capabilities: body.result.capabilities };
  };

  before(async () => {
    h = await startInProcess({ factory: createExampleServer });
    session = (await open('2025-11-25')).id;
  });
  after(async () => h.close());

  it('cancelling a task running here stops the work; its result is an error, and the task stays cancelled', async () => {
    const created = await rpc('tools/call', { name: 'long_running', arguments: { steps: 100, stepMs: 100 }, task: {} });
    const { taskId, ttl, pollInterval } = (created.result as { task: { taskId: string; ttl: number; pollInterval: number } }).task;
    assert.ok(ttl > 0 && pollInterval > 0);
    const cancelled = await rpc('tasks/cancel', { taskId });
    assert.equal(cancelled.result?.status, 'cancelled');
    const result = await rpc('tasks/result', { taskId });
    assert.ok(result.error);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await rpc('tasks/get', { taskId })).result?.status, 'cancelled');
    assert.equal(h.node.sessionEngine.live.get(session)?.busy, false, 'the internal call is gone');
  });

  it('a tool error fails the task and tasks/result returns the underlying error', async () => {
    const created = await rpc('tools/call', { name: 'no_such_tool', arguments: {}, task: { ttl: 5000 } });
    const { taskId } = (created.result as { task: { taskId: string } }).task;
    const result = await rpc('tasks/result', { taskId });
    const got = (await rpc('tasks/get', { taskId })).result!;
    assert.equal(got.status, 'failed');
    assert.ok(result.error || (result.result as { isError?: boolean }).isError);
  });

  it('unknown tasks and missing ids are invalid params; a call without `task` is answered as before', async () => {
    assert.equal((await rpc('tasks/get', { taskId: 'nope' })).error?.code, -32602);
    assert.equal((await rpc('tasks/result', {})).error?.code, -32602);
    assert.equal((await rpc('tasks/cancel', { taskId: 'nope' })).error?.code, -32602);
    const plain = await rpc('tools/call', { name: 'long_running', arguments: { steps: 1, stepMs: 0 } });
    assert.deepEqual((plain.result as { content: unknown[] }).content, [{ type: 'text', text: 'Completed 1 steps' }]);
    assert.ok(Array.isArray((await rpc('tasks/list', {})).result?.tasks));
  });

  it('sessions on revisions before 2025-11-25 are not offered tasks', async () => {
    const old = await open('2025-06-18');
    assert.equal(old.capabilities.tasks, undefined);
    const fresh = await open('2025-11-25');
    assert.deepEqual(fresh.capabilities.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
  });
});
