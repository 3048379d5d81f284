/**
 * Detection: every signal kind opens an incident with the severity its rule gives and the roles that
 * severity calls for; a repeated signal joins the open incident; a more severe one raises it. The
 * node-health, store, synthetic-MCP and error-rate probes produce their signals from real failures.
 */
import assert from 'node:assert/strict';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { ClusterTargets } from '../../src/incidents/cluster-targets.js';
import { NodeMetrics } from '../../src/metrics/index.js';
import { ErrorRateProbe, NodeHealthProbe, StoreProbe, SyntheticMcpProbe } from '../../src/incidents/probes.js';
import type { Signal } from '../../src/incidents/signal.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { startInProcess } from '../support/in-process.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { MINUTE, receivers, responder, startControl, T0 } from '../support/control.js';

const signal = (kind: string, key: string, extra: Partial<Signal> = {}): Signal => ({
  kind,
  key,
  source: 'test',
  summary: `${kind} seen`,
  labels: {},
  components: ['api'],
  at: T0,
  ...extra,
});

const ROLES = {
  P0: ['incident-commander', 'technical-lead', 'sre-manager', 'dba-lead', 'network-engineer', 'communications'],
  P1: ['incident-commander', 'technical-lead', 'sre-manager', 'dba-lead', 'network-engineer', 'communications'],
  P2: ['incident-commander', 'technical-lead', 'sre-manager'],
  P3: ['technical-lead'],
};

describe('detection: signals to incidents', () => {
  let receiver: Receiver;
  let h: Awaited<ReturnType<typeof startControl>>;

  beforeEach(async () => {
    receiver = await startReceiver();
    h = await startControl({ config: { incidents: { paging: { receivers: receivers(receiver) } } } as never });
  });
  afterEach(async () => {
    await h.close();
    await receiver.close();
  });

  const cases: [string, Partial<Signal>, keyof typeof ROLES][] = [
    ['all-nodes-down', {}, 'P0'],
    ['region-down', { labels: { region: 'eu' } }, 'P1'],
    ['store-unreachable', {}, 'P1'],
    ['slo-burn', {}, 'P2'],
    ['synthetic-failed', {}, 'P2'],
    ['component-down', {}, 'P3'],
    ['alert', { labels: { severity: 'critical' }, fingerprint: 'f1' }, 'P1'],
    ['alert', { labels: { severity: 'warning' }, fingerprint: 'f2' }, 'P2'],
    ['alert', { labels: {}, fingerprint: 'f3' }, 'P3'],
  ];
  for (const [kind, extra, severity] of cases) {
    it(`${kind}${extra.labels?.severity ? ` (${extra.labels.severity})` : ''} opens a ${severity} incident with its roles, and pages`, async () => {
      const key = `k-${kind}-${severity}`;
      const d = await h.control.detector.signal(signal(kind, key, extra));
      assert.equal(d.classified?.severity, severity);
      assert.deepEqual(d.paged.map((p) => p.ok), [true, true]);
      const stored = await d.stored;
      assert.equal(stored?.outcome, 'opened');
      const inc = stored!.incident!;
      assert.equal(inc.severity, severity);
      assert.equal(inc.source, 'signal');
      assert.equal(inc.dedupKey, `continuum:${key}`);
      assert.deepEqual(inc.roles.map((r) => r.role), ROLES[severity]);
      const tl = inc.roles.find((r) => r.role === 'technical-lead')!;
      assert.equal(tl.assignee, 'tl', 'the rotation puts tl on call in its first week');
      assert.equal(tl.contact?.email, 'tom@example.test');
      const pd = receiver.received.find((p) => p.path === '/v2/enqueue')!.body;
      assert.equal(pd.dedup_key, `continuum:${key}`);
      assert.equal(pd.event_action, 'trigger');
      assert.equal(pd.routing_key, 'rk-secret-0123');
      // The page sent from the journal is in the incident's timeline.
      const shown = await h.control.incidents.get(inc.id);
      assert.ok(shown!.timeline.some((t) => t.type === 'incident.page_sent'));
    });
  }

  it('a repeated signal joins the open incident; a more severe one raises it, adds roles and pages again', async () => {
    const first = await (await h.control.detector.signal(signal('component-down', 'node:n1'))).stored;
    const again = await h.control.detector.signal(signal('component-down', 'node:n1', { at: T0 + MINUTE }));
    assert.deepEqual(again.paged, [], 'a repeat of a paged key does not page again');
    const joined = await again.stored;
    assert.equal(joined?.outcome, 'joined');
    assert.equal(joined?.incident?.id, first?.incident?.id);
    assert.equal(joined?.incident?.signals[0].count, 2);

    const worse = await h.control.detector.signal(signal('region-down', 'node:n1', { at: T0 + 2 * MINUTE }));
    assert.equal(worse.paged.length, 2);
    const raised = await worse.stored;
    assert.equal(raised?.outcome, 'raised');
    assert.equal(raised?.incident?.severity, 'P1');
    assert.deepEqual(raised?.incident?.roles.map((r) => r.role).sort(), [...ROLES.P1].sort());
    assert.equal((await h.control.incidents.list({ status: 'open' })).length, 1);
  });

  it('a signal after its incident resolved opens a new incident and pages for it', async () => {
    const first = (await (await h.control.detector.signal(signal('component-down', 'node:n2'))).stored)!.incident!;
    await h.control.incidents.resolve(first.id, 'fixed', { id: 'token:ops', role: 'responder' });
    const d = await h.control.detector.signal(signal('component-down', 'node:n2', { at: T0 + 5 * MINUTE }));
    const second = await d.stored;
    assert.equal(second?.outcome, 'opened');
    assert.notEqual(second?.incident?.id, first.id);
    await h.control.incidents.settled();
    const pages = receiver.received.filter((p) => p.path === '/v2/enqueue' && (p.body.payload as { custom_details: { incident: string } }).custom_details.incident === second?.incident?.id);
    assert.equal(pages.length, 1, 'the new incident was paged');
  });

  it('drops (and does not page) a signal no rule maps', async () => {
    const d = await h.control.detector.signal(signal('mystery', 'm1'));
    assert.equal(d.id, null);
    assert.equal(receiver.received.length, 0);
  });

  it('a signal seen before its incident was resolved (a journal replayed late) does not open a new one', async () => {
    const first = await (await h.control.detector.signal(signal('store-unreachable', 'probe:store'))).stored;
    h.clock.set(T0 + MINUTE);
    await h.control.incidents.resolve(first!.incident!.id, 'store back', responder);
    const late = await h.control.incidents.ingestSignal(signal('store-unreachable', 'probe:store', { at: T0 + 30_000 }), { severity: 'P1', title: 'late' }, { idempotencyKey: 'late-1', actor: responder });
    assert.equal(late.outcome, 'ignored');
    assert.equal(late.incident?.id, first!.incident!.id);
    const again = await h.control.incidents.ingestSignal(signal('store-unreachable', 'probe:store', { at: T0 + 2 * MINUTE }), { severity: 'P1', title: 'again' }, { idempotencyKey: 'again-1', actor: responder });
    assert.equal(again.outcome, 'opened');
    assert.notEqual(again.incident?.id, first!.incident!.id);
  });

  it('two nodes seeing the same failure open one incident, and page with one dedup key', async () => {
    const other = await startControl({ store: h.store, clock: h.clock, nodeId: 'node-b', config: { incidents: { paging: { receivers: receivers(receiver) } } } as never });
    try {
      const [a, b] = await Promise.all([h.control.detector.signal(signal('all-nodes-down', 'nodes:all')), other.control.detector.signal(signal('all-nodes-down', 'nodes:all'))]);
      const [ra, rb] = await Promise.all([a.stored, b.stored]);
      assert.deepEqual([ra?.outcome, rb?.outcome].sort(), ['joined', 'opened']);
      assert.equal(ra?.incident?.id, rb?.incident?.id);
      const keys = new Set(receiver.received.filter((p) => p.path === '/v2/enqueue').map((p) => p.body.dedup_key));
      assert.deepEqual([...keys], ['continuum:nodes:all']);
    } finally {
      await other.close();
    }
  });
});

describe('detection: probes', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
  });

  async function healthyNode(): Promise<{ url: string; server: Server }> {
    const server = createServer((_req, res) => res.end('{"status":"ok"}'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    servers.push(server);
    return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, server };
  }
  const stop = (s: Server) => new Promise((r) => s.close(r));

  it('node health: one node down is a component (P3), a region down P1, every node down P0', async () => {
    const [a1, a2, b1] = [await healthyNode(), await healthyNode(), await healthyNode()];
    const probe = new NodeHealthProbe(
      [
        { id: 'a1', region: 'a', url: a1.url },
        { id: 'a2', region: 'a', url: a2.url },
        { id: 'b1', region: 'b', url: b1.url },
      ],
      1000,
    );
    const failing = async () => (await probe.run()).filter((o) => !o.ok).map((o) => `${o.kind}:${o.key}`);
    assert.deepEqual(await failing(), []);
    await stop(a1.server);
    assert.deepEqual(await failing(), ['component-down:node:a1']);
    await stop(a2.server);
    assert.deepEqual(await failing(), ['region-down:region:a']);
    await stop(b1.server);
    assert.deepEqual(await failing(), ['all-nodes-down:nodes:all']);
  });

  it('cluster members are watched without configuration; a silent member is forgotten; the store down keeps the last list', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-targets-'));
    const store = new SqliteStore(join(dir, 's.db'));
    await store.migrate();
    try {
      const [a1, b1] = [await healthyNode(), await healthyNode()];
      await store.nodes.heartbeat({ id: 'a1', region: 'east', url: a1.url, state: {} });
      await store.nodes.heartbeat({ id: 'b1', region: 'west', url: b1.url, state: {} });
      const targets = new ClusterTargets(store, [{ id: 'cfg', region: 'west', url: b1.url }], 15 * MINUTE, 1000);
      assert.deepEqual((await targets.list()).map((t) => t.id).sort(), ['a1', 'b1', 'cfg']);
      const probe = new NodeHealthProbe(() => targets.list(), 1000);
      await stop(a1.server);
      assert.deepEqual((await probe.run()).filter((o) => !o.ok).map((o) => o.key), ['region:east']);
      // a1 last heard 16 minutes ago (store time is the machine's clock for SQLite: set the row back).
      const raw = new Database(join(dir, 's.db'));
      raw.prepare('UPDATE continuum_nodes SET last_heartbeat = last_heartbeat - ? WHERE id = ?').run(16 * MINUTE, 'a1');
      raw.close();
      assert.deepEqual((await targets.list()).map((t) => t.id).sort(), ['b1', 'cfg'], 'a1 silent for 16 min is forgotten');
      await store.close();
      assert.deepEqual((await targets.list()).map((t) => t.id).sort(), ['b1', 'cfg'], 'store closed: the last list is kept');
    } finally {
      await store.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the probe runner opens incidents from probes, once per failure, and notes recovery', async () => {
    const node = await healthyNode();
    const h = await startControl({ config: { incidents: { detection: { nodes: [{ id: 'n1', region: 'a', url: node.url }], store: false } } } as never });
    try {
      assert.deepEqual(await h.control.probes.runOnce(), []);
      await stop(node.server);
      const [s] = await h.control.probes.runOnce();
      assert.equal(s.kind, 'all-nodes-down');
      await h.control.detector.idle();
      assert.deepEqual((await h.control.incidents.list({ status: 'open' })).map((i) => i.severity), ['P0']);
      h.clock.advance(MINUTE);
      assert.deepEqual(await h.control.probes.runOnce(), [], 'a failure still failing is not signalled again before reassertEvery');
      const back = createServer((_req, res) => res.end('ok'));
      await new Promise<void>((r) => back.listen(Number(new URL(node.url).port), '127.0.0.1', r));
      servers.push(back);
      const [recovered] = await h.control.probes.runOnce();
      assert.equal(recovered.resolved, true);
      await h.control.detector.idle();
      const [inc] = await h.control.incidents.list({ status: 'open' });
      const shown = await h.control.incidents.get(inc.id);
      assert.ok(shown!.timeline.some((t) => t.type === 'incident.signal_recovered'), 'recovery is in the timeline; resolving stays a human decision');
    } finally {
      await h.close();
    }
  });

  it('store probe: an unreachable store is a failing observation', async () => {
    const store = new SqliteStore(':memory:');
    await store.migrate();
    const probe = new StoreProbe(store, 500);
    assert.equal((await probe.run())[0].ok, true);
    await store.close();
    const [o] = await probe.run();
    assert.equal(o.ok, false);
    assert.equal(o.kind, 'store-unreachable');
  });

  it('synthetic MCP probe: an official SDK client transaction against a node passes, against nothing fails', async () => {
    const n = await startInProcess({ config: { incidents: { detection: { enabled: false }, timers: { enabled: false } } } as never });
    try {
      const clock = new ManualClock(0);
      const good = new SyntheticMcpProbe(() => n.url, 5000, 1000, clock);
      assert.equal(good.due(0), false, 'the first run waits one period');
      clock.advance(1000);
      assert.equal(good.due(clock.now()), true);
      assert.deepEqual((await good.run()).map((o) => o.ok), [true]);
      assert.equal(good.due(clock.now()), false);
      const dead = await healthyNode();
      await stop(dead.server);
      const [o] = await new SyntheticMcpProbe(() => `${dead.url}mcp`, 2000, 1000, clock).run();
      assert.equal(o.ok, false);
      assert.equal(o.kind, 'synthetic-failed');
    } finally {
      await n.close();
    }
  });

  it('error rate probe: 5xx share over the threshold is an objective burning', async () => {
    const metrics = new NodeMetrics({ node: 'x' });
    const probe = new ErrorRateProbe(metrics.registry, 0.05, 20);
    metrics.httpRequests.inc({ route: 'mcp', method: 'POST', status: '200' }, 100);
    assert.deepEqual((await probe.run()).map((o) => o.ok), [true]);
    metrics.httpRequests.inc({ route: 'mcp', method: 'POST', status: '200' }, 10);
    assert.deepEqual(await probe.run(), [], 'too few requests to judge');
    metrics.httpRequests.inc({ route: 'mcp', method: 'POST', status: '200' }, 80);
    metrics.httpRequests.inc({ route: 'mcp', method: 'POST', status: '503' }, 20);
    const [o] = await probe.run();
    assert.equal(o.ok, false);
    assert.equal(o.kind, 'slo-burn');
  });
});
