/**
 * The public status page over HTTP on a real node: every Statuspage v2 document matches the documented
 * shape in every state, the feeds parse as RSS and Atom, badges render, answers are cached with ETags,
 * overrides go through the admin API and are audited, and the subscribe form hands subscribers on.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { httpRequest } from '../support/in-process.js';
import { DOCUMENTS } from './statuspage-schema.js';
import { startStatusNode, states, writeHistory, type StatusNode } from './scenario.js';
import type { SubscribeRequest } from '../../src/status-page/index.js';

const xml = new XMLParser({ ignoreAttributes: false });

async function get(n: StatusNode, path: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${n.base}${path}`, { headers });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

/** A GET whose body stays as sent (fetch would inflate it). */
function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    request(url, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    })
      .on('error', reject)
      .end();
  });
}

async function checkDocuments(n: StatusNode, label: string) {
  const out: Record<string, unknown> = {};
  for (const [doc, schema] of Object.entries(DOCUMENTS)) {
    const r = await get(n, `/api/v2/${doc}`);
    assert.equal(r.status, 200, `${label}: ${doc}`);
    assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
    const parsed = schema.safeParse(JSON.parse(r.text));
    assert.ok(parsed.success, `${label}: ${doc} does not match the Statuspage shape: ${parsed.success ? '' : JSON.stringify(parsed.error.issues.slice(0, 3))}`);
    out[doc] = parsed.data;
  }
  return out as { 'summary.json': { status: { indicator: string; description: string }; components: { id: string; status: string }[] } } & Record<string, never>;
}

describe('status page HTTP and Statuspage v2 API', () => {
  let n: StatusNode;
  const subscribed: SubscribeRequest[] = [];
  before(async () => {
    n = await startStatusNode();
    await writeHistory(n);
    n.page.setSubscribe(async (req) => {
      subscribed.push(req);
      return { id: `sub-${subscribed.length}`, status: req.kind === 'email' ? 'pending' : 'active' };
    });
  });
  after(() => n.close());

  it('serves every document in the documented shape in every state, with the status each state calls for', async () => {
    for (const state of states(n)) {
      await state.apply();
      await n.page.refresh();
      const docs = await checkDocuments(n, state.name);
      const summary = docs['summary.json'];
      assert.equal(summary.status.indicator, state.indicator, `${state.name}: indicator`);
      assert.match(summary.status.description, state.description, `${state.name}: description`);
      for (const [id, status] of Object.entries(state.components)) {
        assert.equal(summary.components.find((c) => c.id === id)?.status, status, `${state.name}: ${id}`);
      }
      const html = await get(n, '/');
      assert.equal(html.status, 200);
      for (const text of state.shows) assert.match(html.text, text, `${state.name}: the page shows ${text}`);
    }
  });

  it('gives incidents their public timeline, affected components and post-mortem', async () => {
    const all = JSON.parse((await get(n, '/api/v2/incidents.json')).text) as { incidents: { id: string; name: string; status: string; incident_updates: { status: string; body: string; affected_components: unknown[] | null }[]; postmortem_body?: string }[] };
    const gateway = all.incidents.find((i) => i.name === 'MCP gateway unreachable')!;
    assert.equal(gateway.status, 'postmortem');
    assert.deepEqual(
      gateway.incident_updates.map((u) => u.status),
      ['postmortem', 'resolved', 'monitoring', 'investigating'],
    );
    assert.equal(gateway.incident_updates[2].body, 'A fix is out and traffic is flowing again.');
    assert.deepEqual(gateway.incident_updates.at(-1)!.affected_components, [{ code: 'gateway', name: 'MCP gateway', old_status: 'operational', new_status: 'major_outage' }]);
    assert.match(gateway.postmortem_body ?? '', /certificate expired/);
    const unresolved = JSON.parse((await get(n, '/api/v2/incidents/unresolved.json')).text) as { incidents: unknown[] };
    assert.equal(unresolved.incidents.length, 0);
    const permalink = await get(n, `/incidents/${gateway.id}`);
    assert.equal(permalink.status, 200);
    assert.match(permalink.text, /<h2 id="pm-h">Post-mortem<\/h2>/);
    assert.match(permalink.text, /certificate expired on the gateway/);
    assert.equal((await get(n, '/incidents/INC-NOPE')).status, 404);
    const history = await get(n, '/history');
    for (const title of ['Session store failover', 'Gateway outage', 'Slow admin API', 'MCP gateway unreachable']) assert.match(history.text, new RegExp(title));
  });

  it('escapes everything it renders', async () => {
    await n.node.control.incidents.declare({ title: '<script>alert(1)</script> & "quotes"', severity: 'P3', components: ['docs'], impact: '<img src=x onerror=alert(2)>' }, { id: 'token:t', role: 'responder' });
    await n.page.refresh();
    const html = (await get(n, '/')).text;
    assert.ok(!html.includes('<script>alert(1)'), 'no raw script');
    assert.ok(!html.includes('<img src=x'), 'no raw img');
    assert.match(html, /&lt;script&gt;alert\(1\)&lt;\/script&gt; &amp; &quot;quotes&quot;/);
    for (const feed of ['/history.rss', '/history.atom']) assert.equal(XMLValidator.validate((await get(n, feed)).text), true, feed);
  });

  it('lists components detection names that the configuration does not, with readable names and badges', async () => {
    await n.node.control.incidents.declare({ title: 'Region eu unreachable', severity: 'P3', components: ['region:eu'] }, { id: 'detector:node-a', role: 'system' });
    await n.page.refresh();
    const summary = JSON.parse((await get(n, '/api/v2/summary.json')).text);
    assert.deepEqual(
      summary.components.filter((c: { id: string }) => c.id === 'region:eu').map((c: { name: string; status: string }) => [c.name, c.status]),
      [['Region eu', 'degraded_performance']],
    );
    assert.equal((await get(n, `/badge/${encodeURIComponent('region:eu')}.svg`)).status, 200);
    const listed = await n.call('GET', '/v1/status-page/components', { token: n.tokens.viewer });
    assert.equal(listed.json.components.find((c: { id: string }) => c.id === 'region:eu').name, 'Region eu');
  });

  it('publishes RSS and Atom feeds that parse', async () => {
    const rss = await get(n, '/history.rss');
    assert.equal(rss.status, 200);
    assert.match(rss.headers.get('content-type') ?? '', /application\/rss\+xml/);
    assert.equal(XMLValidator.validate(rss.text), true);
    const channel = xml.parse(rss.text).rss.channel;
    assert.equal(xml.parse(rss.text).rss['@_version'], '2.0');
    const items = [channel.item].flat() as { title: string; link: string; guid: unknown; pubDate: string; description: string }[];
    assert.ok(items.length >= 4);
    for (const item of items) {
      assert.match(item.link, /^http:\/\/127\.0\.0\.1:\d+\/incidents\/INC-/);
      assert.ok(!Number.isNaN(Date.parse(item.pubDate)), 'RFC 822 dates');
    }
    const atomText = (await get(n, '/history.atom')).text;
    assert.equal(XMLValidator.validate(atomText), true);
    const feed = xml.parse(atomText).feed;
    assert.equal(feed['@_xmlns'], 'http://www.w3.org/2005/Atom');
    const entries = [feed.entry].flat() as { id: string; title: string; updated: string; content: { '#text': string } }[];
    assert.equal(entries.length, items.length);
    for (const e of entries) assert.ok(!Number.isNaN(Date.parse(e.updated)));
    assert.ok(entries.some((e) => String(e.title).includes('MCP gateway unreachable')));
  });

  it('renders badges as SVG and as shields.io endpoint JSON', async () => {
    const svg = await get(n, '/badge/sessions.svg');
    assert.equal(svg.status, 200);
    assert.match(svg.headers.get('content-type') ?? '', /image\/svg\+xml/);
    assert.equal(XMLValidator.validate(svg.text), true);
    const parsed = xml.parse(svg.text).svg;
    assert.equal(parsed['@_role'], 'img');
    assert.match(parsed.title, /Session store: partial outage/);
    const shields = JSON.parse((await get(n, '/badge/gateway.json')).text);
    assert.deepEqual({ ...shields, color: undefined }, { schemaVersion: 1, label: 'MCP gateway', message: 'operational', color: undefined, cacheSeconds: 30 });
    assert.match(shields.color, /^[0-9a-f]{6}$/);
    assert.equal((await get(n, '/badge/platform.json')).status, 200, 'groups have badges too');
    assert.equal((await get(n, '/badge/nothing.svg')).status, 404);
  });

  it('caches with ETag and Cache-Control, answers 304, and re-renders after a change', async () => {
    const first = await get(n, '/api/v2/summary.json');
    const etag = first.headers.get('etag')!;
    assert.match(first.headers.get('cache-control') ?? '', /max-age=5/);
    assert.equal(first.headers.get('x-status-stale'), 'false');
    assert.equal((await get(n, '/api/v2/summary.json', { 'if-none-match': etag })).status, 304);
    const page = await get(n, '/');
    assert.equal((await get(n, '/', { 'if-none-match': page.headers.get('etag')! })).status, 304);
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'self'/);
    await n.page.overrides.clear('sessions', 'rebuilt', { id: 'token:t', role: 'responder' });
    await n.page.refresh();
    const after = await get(n, '/api/v2/summary.json', { 'if-none-match': etag });
    assert.equal(after.status, 200);
    assert.notEqual(after.headers.get('etag'), etag);
    // Compressed for clients that accept gzip, with its own ETag; the same bytes once inflated.
    const plain = await httpRequest(`${n.base}/`, { headers: {} });
    const zipped = await rawGet(`${n.base}/`, { 'accept-encoding': 'gzip, br' });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(zipped.headers.vary, 'accept-encoding');
    assert.equal(gunzipSync(zipped.body).toString('utf8'), plain.text);
    assert.ok(zipped.body.length < plain.text.length / 2);
    assert.notEqual(zipped.headers.etag, plain.headers.etag);
    assert.equal((await rawGet(`${n.base}/`, { 'accept-encoding': 'gzip', 'if-none-match': String(zipped.headers.etag) })).status, 304);
    const head = await fetch(`${n.base}/`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
    assert.equal((await fetch(`${n.base}/`, { method: 'DELETE' })).status, 405);
  });

  it('lets a responder override a component through the admin API, audited, and clear it', async () => {
    const denied = await n.call('POST', '/v1/status-page/components/api/override', { token: n.tokens.viewer, body: { status: 'major_outage', reason: 'x' } });
    assert.equal(denied.status, 403);
    const bad = await n.call('POST', '/v1/status-page/components/api/override', { token: n.tokens.responder, body: { status: 'down', reason: 'x' } });
    assert.equal(bad.status, 400);
    const set = await n.call('POST', '/v1/status-page/components/api/override', { token: n.tokens.responder, body: { status: 'major_outage', reason: 'Load balancer replaced' } });
    assert.equal(set.status, 200, JSON.stringify(set.json));
    assert.equal(set.json.component.status, 'major_outage');
    assert.equal(set.json.component.override.reason, 'Load balancer replaced');
    await n.page.refresh();
    const summary = JSON.parse((await get(n, '/api/v2/summary.json')).text);
    assert.equal(summary.components.find((c: { id: string }) => c.id === 'api').status, 'major_outage');
    assert.equal(summary.status.indicator, 'critical');
    const cleared = await n.call('DELETE', '/v1/status-page/components/api/override', { token: n.tokens.responder, body: { reason: 'done' } });
    assert.equal(cleared.status, 200);
    assert.equal(cleared.json.component.override, null);
    assert.equal((await n.call('DELETE', '/v1/status-page/components/api/override', { token: n.tokens.responder, body: {} })).status, 404);
    const audit = await n.node.control.audit.list();
    const actions = audit.filter((e) => e.target === 'api').map((e) => e.action);
    assert.deepEqual(actions, ['component.status_overridden', 'component.override_cleared']);
    assert.equal(audit.find((e) => e.action === 'component.status_overridden' && e.target === 'api')!.actor, 'token:responder-token');
  });

  it('hands subscribers from the form to communications and rejects bad input with a clear page', async () => {
    const form = await get(n, '/subscribe');
    assert.match(form.text, /<form class="subscribe" method="post"/);
    const post = (body: string) => fetch(`${n.base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const email = await post('kind=email&address=ops%40example.test&components=gateway&components=api');
    assert.equal(email.status, 202);
    assert.match(await email.text(), /confirmation link to ops@example\.test/);
    const hook = await post('kind=webhook&address=https%3A%2F%2Fhooks.example.test%2Fstatus');
    assert.equal(hook.status, 201);
    assert.deepEqual(subscribed, [
      { kind: 'email', address: 'ops@example.test', components: ['gateway', 'api'] },
      { kind: 'webhook', address: 'https://hooks.example.test/status' },
    ]);
    assert.equal((await post('kind=email&address=not-an-email')).status, 400);
    assert.equal((await post('kind=fax&address=123')).status, 400);
    assert.equal((await post('kind=email&address=a%40b.test&components=nope')).status, 400);
    assert.equal((await fetch(`${n.base}/subscribe`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, 415);
    assert.equal(subscribed.length, 2);
  });

  it('serves nothing when disabled', async () => {
    const m = await startStatusNode({ enabled: false });
    try {
      assert.equal((await fetch(`${m.base}/`)).status, 404);
      assert.equal((await fetch(`${m.base}/healthz`)).status, 200);
    } finally {
      await m.close();
    }
  });

  it('serves under a configured path, leaving the rest of the node alone', async () => {
    const m = await startStatusNode({ path: '/status/' });
    try {
      assert.equal((await fetch(`${m.base}/status/`)).status, 200);
      assert.equal((await fetch(`${m.base}/status/api/v2/status.json`)).status, 200);
      assert.equal((await fetch(`${m.base}/status`, { redirect: 'manual' })).status, 301);
      assert.equal((await fetch(`${m.base}/`)).status, 404);
      assert.equal((await fetch(`${m.base}/api/v2/status.json`)).status, 404, 'the admin API owns /api without the page prefix');
      assert.equal((await fetch(`${m.base}/healthz`)).status, 200);
      const html = await (await fetch(`${m.base}/status/`)).text();
      assert.match(html, /href="\/status\/history"/);
      // A live stream: the version at once; and it ends when the node stops (no wait for the grace period).
      const events = await new Promise<{ first: string; ended: Promise<void> }>((resolve, reject) => {
        request(`${m.base}/status/events`, (res) => {
          assert.match(String(res.headers['content-type']), /^text\/event-stream/);
          const ended = new Promise<void>((r) => res.on('end', () => r()).on('close', () => r()));
          res.once('data', (c: Buffer) => resolve({ first: c.toString(), ended }));
        })
          .on('error', reject)
          .end();
      });
      assert.match(events.first, /event: version\ndata: \d+/);
      const started = Date.now();
      await m.close();
      await events.ended;
      assert.ok(Date.now() - started < 5000, `stopped in ${Date.now() - started} ms with a live stream open`);
    } finally {
      await m.close();
    }
  });
});
