/**
 * The page stays up when the store is down: a node on PostgreSQL behind a fault proxy keeps answering
 * the page and every Statuspage document from what it last knew while the link is cut, quickly, marked
 * stale (header, JSON `freshness`, a banner on the page); once the link heals it is fresh again and
 * shows what happened meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium } from 'playwright-core';
import { AuditLog } from '../../src/access/audit-log.js';
import { TokenService } from '../../src/access/tokens.js';
import { systemClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { OverrideService } from '../../src/status-page/overrides.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { eventually } from '../support/eventually.js';
import { FaultProxy } from '../support/fault-proxy.js';
import { startNode, type NodeProcess } from '../support/node-process.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { DOCUMENTS } from './statuspage-schema.js';

const CONFIG = `
statusPage:
  name: Acme MCP
  refreshEvery: 200ms
  components: [{ id: gateway, name: MCP gateway }, { id: api, name: Admin API }]
incidents:
  detection: { enabled: false }
`;

describe('status page with the store cut off (a node process on PostgreSQL behind a fault proxy)', () => {
  let db: TestDatabase;
  let proxy: FaultProxy;
  let node: NodeProcess;
  let dir: string;
  let base: string;
  let token: string;
  before(async () => {
    db = await createTestDatabase();
    const store = new PostgresStore(db.url);
    await store.migrate();
    token = (await new TokenService(store.tokens, new AuditLog(store.audit, systemClock), systemClock, cryptoRandom).create('stale-test', 'responder', { id: 'cli:test', role: 'admin' })).secret;
    await store.close();
    const u = new URL(db.url);
    proxy = new FaultProxy({ host: u.hostname, port: Number(u.port || 5432) });
    const viaProxy = new URL(db.url);
    viaProxy.port = String(await proxy.start());
    dir = mkdtempSync(join(tmpdir(), 'continuum-stale-'));
    writeFileSync(join(dir, 'continuum.yaml'), CONFIG);
    node = await startNode(['--port', '0', '--store', viaProxy.toString(), '--config', join(dir, 'continuum.yaml')]);
    base = node.url.replace(/\/mcp$/, '');
  });
  after(async () => {
    proxy?.heal();
    await node?.kill('SIGKILL');
    await proxy?.stop();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('answers from what it last knew, marked stale, and recovers', async () => {
    const declared = await fetch(`${base}/api/v1/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ title: 'Gateway errors', severity: 'P1', components: ['gateway'] }),
    });
    assert.equal(declared.status, 201, await declared.clone().text());
    const inc = ((await declared.json()) as { incident: { id: string } }).incident;
    await eventually(async () => {
      const s = await (await fetch(`${base}/api/v2/summary.json?before`)).json();
      assert.equal(s.incidents[0]?.id, inc.id);
      assert.equal(s.freshness.stale, false);
    });

    proxy.cut();
    await eventually(async () => assert.equal((await fetch(`${base}/api/v2/status.json`)).headers.get('x-status-stale'), 'true'), 15_000);
    for (const doc of Object.keys(DOCUMENTS)) {
      const started = performance.now();
      const r = await fetch(`${base}/api/v2/${doc}`);
      const ms = performance.now() - started;
      assert.equal(r.status, 200, doc);
      assert.ok(ms < 1000, `${doc} answered in ${ms.toFixed(0)} ms with the store cut`);
      const body = await r.json();
      assert.ok(DOCUMENTS[doc as keyof typeof DOCUMENTS].safeParse(body).success, `${doc} keeps its shape`);
      assert.equal(body.freshness.stale, true);
      assert.ok(Date.parse(body.freshness.as_of) <= Date.now());
    }
    const summary = await (await fetch(`${base}/api/v2/summary.json`)).json();
    assert.equal(summary.incidents[0].id, inc.id, 'the last known incidents are still served');
    assert.equal(summary.components.find((c: { id: string }) => c.id === 'gateway').status, 'partial_outage');
    const page = await fetch(`${base}/`);
    assert.equal(page.status, 200);
    const html = await page.text();
    assert.match(html, /This page may be out of date/);
    assert.match(html, /Gateway errors/);

    mkdirSync(join('test-artifacts', 'status-page'), { recursive: true });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    try {
      const tab = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      await tab.goto(`${base}/?stale`, { waitUntil: 'load' });
      await tab.getByRole('alert').filter({ hasText: 'This page may be out of date' }).waitFor();
      await tab.screenshot({ path: join('test-artifacts', 'status-page', '11-stale.png'), fullPage: true });
    } finally {
      await browser.close();
    }

    // Meanwhile another node, which still reaches the database, records an override.
    const other = new PostgresStore(db.url);
    try {
      await new OverrideService({ events: other.controlEvents, audit: new AuditLog(other.audit, systemClock), clock: systemClock }).set('api', 'major_outage', 'Failing over', { id: 'token:other', role: 'responder' });
    } finally {
      await other.close();
    }
    assert.equal((await (await fetch(`${base}/api/v2/components.json?cut`)).json()).components.find((c: { id: string }) => c.id === 'api').status, 'operational', 'not seen through the cut');

    proxy.heal();
    await eventually(async () => {
      const s = await (await fetch(`${base}/api/v2/summary.json?fresh`)).json();
      assert.equal(s.freshness.stale, false);
      assert.equal(s.components.find((c: { id: string }) => c.id === 'api').status, 'major_outage', 'what happened meanwhile shows once healed');
    }, 30_000);
    assert.doesNotMatch(await (await fetch(`${base}/?healed`)).text(), /This page may be out of date/);
  });
});
