import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startCluster, stopCluster, type ClusterNode } from '../support/cluster.js';
import { eventually, within } from '../support/eventually.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { initializeBody, MCP_HEADERS, rawSession } from '../support/in-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';

/**
 * The partition policy's three bands, each exercised with a real cut: node 3 reaches PostgreSQL through a
 * fault-injecting TCP proxy that blackholes the link for the cut's duration. The plan's thresholds
 * (30 s / 60 s) are scaled to 2 s / 4 s to keep the test short; the drills run the real ones.
 */
const ENV = { CONTINUUM_CLUSTER_PARTITION_SHORT: '2s', CONTINUUM_CLUSTER_PARTITION_LONG: '4s' };

async function decisions(node: ClusterNode): Promise<Set<string>> {
  const text = await (await fetch(node.url.replace('/mcp', '/metrics'))).text();
  const seen = new Set<string>();
  for (const m of text.matchAll(/continuum_partition_decisions_total\{band="(\w+)",side="(\w+)",action="([\w-]+)"[^}]*\} (\d+)/g)) {
    if (Number(m[4]) > 0) seen.add(`${m[1]}/${m[2]}/${m[3]}`);
  }
  return seen;
}

const ready = async (node: ClusterNode) => (await fetch(node.url.replace('/mcp', '/readyz'))).status;
const initialize = async (node: ClusterNode) => {
  const r = await fetch(node.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeBody()) });
  await r.arrayBuffer();
  return r.status;
};

describe('partition policy under real cuts (PostgreSQL, node 3 behind a fault proxy)', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let nodes: ClusterNode[];
  before(async () => {
    db = await createTestDatabase();
    const u = new URL(db.url);
    proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const port = await proxy.start();
    const viaProxy = new URL(db.url);
    viaProxy.port = String(port);
    nodes = await startCluster(3, db.url, { env: ENV, storeFor: (i) => (i === 3 ? viaProxy.toString() : db.url) });
  });
  after(async () => {
    await stopCluster(nodes);
    await proxy.stop();
    await db.drop();
  });

  it('a cut shorter than the first threshold is ridden out: the node stays ready, no failover', async () => {
    proxy.cut();
    await eventually(async () => assert.ok((await decisions(nodes[2])).has('short/minority/operate')));
    for (let i = 0; i < 5; i++) assert.equal(await ready(nodes[2]), 200, 'ready during a short partition');
    proxy.heal();
    await eventually(async () => assert.ok((await decisions(nodes[2])).has('none/whole/operate')));
    const seen = await decisions(nodes[2]);
    assert.ok(![...seen].some((d) => d.endsWith('stop-new-work') || d.endsWith('failover')), [...seen].join(', '));
  });

  it('between the thresholds quorum decides: the minority takes no new sessions, the majority does', async () => {
    proxy.cut();
    await eventually(async () => assert.ok((await decisions(nodes[2])).has('quorum/minority/stop-new-work')), 8000);
    assert.equal(await initialize(nodes[2]), 503, 'minority refuses new sessions');
    assert.equal(await initialize(nodes[0]), 200, 'majority accepts new sessions');
    await eventually(async () => assert.ok((await decisions(nodes[0])).has('quorum/majority/operate')));
    proxy.heal();
    await eventually(async () => assert.equal(await initialize(nodes[2]), 200), 8000);
  });

  it('a node whose own database link is cut, while its peers reach the database, answers MCP 503 at once and stays ready', async () => {
    const elsewhere = await rawSession(nodes[0].url);
    proxy.cut();
    // In flight when the link dies: node 3 must load this session from the store, and waits on the cut link.
    const held = fetch(nodes[2].url, {
      method: 'POST',
      headers: { ...MCP_HEADERS, 'mcp-session-id': elsewhere, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    const isolated = async () => ((await (await fetch(nodes[2].url.replace('/mcp', '/readyz'))).json()) as { isolated: boolean }).isolated;
    await eventually(async () => assert.equal(await isolated(), true), 8000);
    const gaveUp = await within(held, 5000, () => 'the request held on the cut link was never answered');
    assert.equal(gaveUp.status, 503, 'a request waiting on the dead link gives up once the node knows it is isolated');
    assert.match(((await gaveUp.json()) as { error: { message: string } }).error.message, /cannot reach the store \(its peers can\)/);
    const r = await fetch(nodes[2].url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeBody()) });
    assert.equal(r.status, 503);
    assert.equal(r.headers.get('retry-after'), '1');
    assert.match(((await r.json()) as { error: { message: string } }).error.message, /cannot reach the store \(its peers can\), retry on another node/);
    assert.equal(await ready(nodes[2]), 200, 'still ready: a short partition is ridden out, only the work that needs the store goes elsewhere');
    assert.equal(await initialize(nodes[0]), 200, 'its peers serve');
    proxy.heal();
    await eventually(async () => assert.equal(await isolated(), false), 8000);
    assert.equal(await initialize(nodes[2]), 200);
  });

  it('past the second threshold the minority fails over: not ready until the cut heals', async () => {
    proxy.cut();
    await eventually(async () => assert.ok((await decisions(nodes[2])).has('long/minority/failover')), 10_000);
    assert.equal(await ready(nodes[2]), 503);
    assert.equal(await ready(nodes[0]), 200);
    await eventually(async () => assert.ok((await decisions(nodes[0])).has('long/majority/operate')));
    proxy.heal();
    await eventually(async () => assert.equal(await ready(nodes[2]), 200), 10_000);
  });
});
