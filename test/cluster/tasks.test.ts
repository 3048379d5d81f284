/**
 * The tasks extension across a 2-node SQLite cluster (real processes, raw HTTP): a task started on one
 * node is polled to completion on the other, and a task whose node is killed is failed explicitly by
 * the surviving node (its leader sweep), never left working.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FAST_CLUSTER_ENV, startCluster, stopCluster, type ClusterNode } from '../support/cluster.js';
import { eventually } from '../support/eventually.js';
import { initializeBody, MCP_HEADERS } from '../support/in-process.js';
import { fixture } from '../support/node-process.js';

interface WireTask {
  taskId: string;
  status: string;
  statusMessage?: string;
  createdAt: string;
  lastUpdatedAt: string;
  ttl: number | null;
  pollInterval?: number;
}

const post = (url: string, sessionId: string | null, body: unknown) =>
  fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...(sessionId ? { 'mcp-session-id': sessionId } : {}) }, body: JSON.stringify(body) });

async function rpc(url: string, sessionId: string, method: string, params: Record<string, unknown>): Promise<{ result?: Record<string, unknown>; error?: { code: number; message: string } }> {
  const res = await post(url, sessionId, { jsonrpc: '2.0', id: `${method}-${Math.random()}`, method, params });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  return (await res.json()) as { result?: Record<string, unknown>; error?: { code: number; message: string } };
}

async function initialize(url: string): Promise<{ id: string; capabilities: Record<string, unknown> }> {
  const res = await post(url, null, initializeBody(1, '2025-11-25', { tasks: { list: {}, cancel: {} } }));
  assert.equal(res.status, 200);
  const id = res.headers.get('mcp-session-id')!;
  const body = (await res.json()) as { result: { capabilities: Record<string, unknown> } };
  assert.equal((await post(url, id, { jsonrpc: '2.0', method: 'notifications/initialized' })).status, 202);
  return { id, capabilities: body.result.capabilities };
}

async function startTask(url: string, sessionId: string, steps: number, stepMs: number): Promise<WireTask> {
  const created = await rpc(url, sessionId, 'tools/call', { name: 'long_running', arguments: { steps, stepMs }, task: { ttl: 60_000 } });
  assert.equal(created.error, undefined);
  const task = (created.result as { task: WireTask }).task;
  assert.equal(task.status, 'working');
  assert.equal(typeof task.taskId, 'string');
  assert.ok(!Number.isNaN(Date.parse(task.createdAt)));
  assert.equal(task.ttl, 60_000);
  return task;
}

describe('tasks across a 2-node SQLite cluster', () => {
  let nodes: ClusterNode[];
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-tasks-cluster-'));
    nodes = await startCluster(2, `sqlite:${join(dir, 'c.db')}`, { server: fixture('../../examples/everything/server') });
  });
  after(async () => {
    await stopCluster(nodes);
    rmSync(dir, { recursive: true, force: true });
  });

  it('declares the tasks capability, and a task started on node 1 is polled to completion on node 2', async () => {
    const { id, capabilities } = await initialize(nodes[0].url);
    assert.deepEqual(capabilities.tasks, { list: {}, cancel: {}, requests: { tools: { call: {} } } });
    const tools = (await rpc(nodes[1].url, id, 'tools/list', {})).result as { tools: { name: string; execution?: { taskSupport?: string } }[] };
    assert.equal(tools.tools.find((t) => t.name === 'long_running')?.execution?.taskSupport, 'optional');
    const task = await startTask(nodes[0].url, id, 3, 150);

    const listed = await rpc(nodes[1].url, id, 'tasks/list', {});
    assert.deepEqual((listed.result as { tasks: WireTask[] }).tasks.map((t) => t.taskId), [task.taskId]);

    const done = await eventually(async () => {
      const got = (await rpc(nodes[1].url, id, 'tasks/get', { taskId: task.taskId })).result as unknown as WireTask;
      assert.equal(got.status, 'completed');
      return got;
    }, 10_000, 50);
    assert.equal(done.taskId, task.taskId);

    const result = await rpc(nodes[1].url, id, 'tasks/result', { taskId: task.taskId });
    assert.deepEqual((result.result as { content: unknown[] }).content, [{ type: 'text', text: 'Completed 3 steps' }]);
    assert.deepEqual((result.result as { _meta: Record<string, unknown> })._meta['io.modelcontextprotocol/related-task'], { taskId: task.taskId });

    // A task belongs to its session.
    const other = await initialize(nodes[1].url);
    const foreign = await rpc(nodes[1].url, other.id, 'tasks/get', { taskId: task.taskId });
    assert.equal(foreign.error?.code, -32602);
  });

  it('tasks/result on node 2 blocks until a task running on node 1 ends; tasks/cancel stops one', async () => {
    const { id } = await initialize(nodes[0].url);
    const task = await startTask(nodes[0].url, id, 4, 100);
    const result = await rpc(nodes[1].url, id, 'tasks/result', { taskId: task.taskId });
    assert.deepEqual((result.result as { content: unknown[] }).content, [{ type: 'text', text: 'Completed 4 steps' }]);

    const slow = await startTask(nodes[0].url, id, 100, 1000);
    const cancelled = (await rpc(nodes[1].url, id, 'tasks/cancel', { taskId: slow.taskId })).result as unknown as WireTask;
    assert.equal(cancelled.status, 'cancelled');
    // The work itself stops on node 1, the node running it (told through the store's bus).
    await eventually(async () => {
      const metrics = await (await fetch(nodes[0].url.replace('/mcp', '/metrics'))).text();
      assert.match(metrics, /continuum_task_work_stopped_total\{reason="cancelled"[^}]*\} 1\b/);
    });
    const again = await rpc(nodes[0].url, id, 'tasks/cancel', { taskId: slow.taskId });
    assert.equal(again.error?.code, -32602);
  });

  it('kill -9 of the node running a task: node 2 fails it explicitly within the failAfter window', async () => {
    const { id } = await initialize(nodes[0].url);
    const task = await startTask(nodes[0].url, id, 600, 100);
    const working = (await rpc(nodes[1].url, id, 'tasks/get', { taskId: task.taskId })).result as unknown as WireTask;
    assert.equal(working.status, 'working');

    const killedAt = Date.now();
    await nodes[0].kill('SIGKILL');
    const failed = await eventually(async () => {
      const got = (await rpc(nodes[1].url, id, 'tasks/get', { taskId: task.taskId })).result as unknown as WireTask;
      assert.equal(got.status, 'failed');
      return got;
    }, 15_000, 50);
    const elapsed = Date.now() - killedAt;
    // failAfter, plus the leader lease passing to node 2 (lease ttl) and one sweep period.
    const bound = parseInt(FAST_CLUSTER_ENV.CONTINUUM_CLUSTER_FAIL_AFTER, 10) + parseInt(FAST_CLUSTER_ENV.CONTINUUM_CLUSTER_LEASE_TTL, 10) + 2000;
    assert.ok(elapsed < bound, `failed after ${elapsed} ms (bound ${bound} ms)`);
    assert.match(failed.statusMessage ?? '', /node running this task died/);
    const result = await rpc(nodes[1].url, id, 'tasks/result', { taskId: task.taskId });
    assert.match(result.error?.message ?? '', /node running this task died/);
  });

  it('a node killed and back at once under the same id does not leave its task working', async () => {
    await nodes[0].start();
    const { id } = await initialize(nodes[0].url);
    const task = await startTask(nodes[0].url, id, 600, 100);
    await nodes[0].kill('SIGKILL');
    await nodes[0].start();
    const failed = await eventually(async () => {
      const got = (await rpc(nodes[1].url, id, 'tasks/get', { taskId: task.taskId })).result as unknown as WireTask;
      assert.equal(got.status, 'failed');
      return got;
    }, 15_000, 50);
    assert.match(failed.statusMessage ?? '', /node running this task died/);
    assert.equal(((await rpc(nodes[0].url, id, 'tasks/get', { taskId: task.taskId })).result as unknown as WireTask).status, 'failed');
  });
});
