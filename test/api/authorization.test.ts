/**
 * Each role's allowed and denied actions over HTTP, the audit trail they leave (with actor and role,
 * never a secret), and the API's answers to bad requests.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { startApiNode, type Json } from '../support/api.js';
import { T0 } from '../support/control.js';

describe('admin API authorization', () => {
  let node: Awaited<ReturnType<typeof startApiNode>>;
  const clock = new ManualClock(T0);
  let incident = '';
  before(async () => {
    node = await startApiNode({ clock });
    incident = (await node.call('POST', '/v1/incidents', { token: node.tokens.admin, body: { title: 'seed', severity: 'P3' } })).json.incident.id;
  });
  after(async () => {
    await node.close();
  });

  const actions: [string, string, (id: string) => unknown, 'viewer' | 'responder' | 'admin'][] = [
    ['GET', '/v1/incidents', () => undefined, 'viewer'],
    ['GET', `/v1/incidents/{id}`, () => undefined, 'viewer'],
    ['GET', '/v1/status', () => undefined, 'viewer'],
    ['GET', '/v1/team', () => undefined, 'viewer'],
    ['POST', '/v1/incidents', () => ({ title: 'declared', severity: 'P3' }), 'responder'],
    ['POST', '/v1/incidents/{id}/ack', () => undefined, 'responder'],
    ['POST', '/v1/incidents/{id}/updates', () => ({ message: 'looking' }), 'responder'],
    ['POST', '/v1/incidents/{id}/roles', () => ({ role: 'technical-lead' }), 'responder'],
    ['POST', '/v1/incidents/{id}/timeline/1/pin', () => ({ pinned: true }), 'responder'],
    ['POST', '/v1/signals', () => ({ kind: 'component-down', key: 'auth-test', summary: 'x' }), 'responder'],
    ['GET', '/v1/tokens', () => undefined, 'admin'],
    ['POST', '/v1/tokens', () => ({ name: `t-${Math.random().toString(36).slice(2, 8)}`, role: 'viewer' }), 'admin'],
    ['GET', '/v1/audit', () => undefined, 'admin'],
    ['GET', '/v1/audit/verify', () => undefined, 'admin'],
  ];
  const order = ['viewer', 'responder', 'admin'] as const;

  for (const [method, path, body, needs] of actions) {
    for (const role of order) {
      const allowed = order.indexOf(role) >= order.indexOf(needs);
      it(`${role} ${allowed ? 'may' : 'may not'} ${method} ${path}`, async () => {
        const r = await node.call(method, path.replace('{id}', incident), { token: node.tokens[role], body: body(incident) });
        if (allowed) assert.ok(r.status >= 200 && r.status < 300, `${r.status} ${JSON.stringify(r.json)}`);
        else {
          assert.equal(r.status, 403);
          assert.equal(r.json.error.code, 'forbidden');
          assert.match(r.json.error.message, new RegExp(`role ${role} may not .* it needs ${needs}`));
        }
      });
    }
  }

  it('resolve is a responder action; a viewer may not', async () => {
    assert.equal((await node.call('POST', `/v1/incidents/${incident}/resolve`, { token: node.tokens.viewer, body: {} })).status, 403);
    assert.equal((await node.call('POST', `/v1/incidents/${incident}/resolve`, { token: node.tokens.responder, body: { message: 'done' } })).status, 200);
  });

  it('answers 401 without a token, with a malformed header, an unknown token, or a revoked one', async () => {
    for (const headers of [{}, { authorization: 'Basic abc' }, { authorization: 'Bearer ctm_not-a-real-token' }] as Record<string, string>[]) {
      const r = await node.call('GET', '/v1/incidents', { token: null, headers });
      assert.equal(r.status, 401);
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="continuum"');
      assert.match(r.json.error.message, /continuum token create/);
    }
    const { secret, token } = await node.node.control.tokens.create('short-lived', 'viewer', { id: 'cli:test', role: 'admin' });
    assert.equal((await node.call('GET', '/v1/incidents', { token: secret })).status, 200);
    await node.call('DELETE', `/v1/tokens/${token.id}`, { token: node.tokens.admin });
    clock.advance(31_000); // past the verified-token memory
    assert.equal((await node.call('GET', '/v1/incidents', { token: secret })).status, 401);
  });

  it('records every operator action in the audit log with actor and role, and no secret anywhere', async () => {
    const { json } = await node.call('GET', '/v1/audit?limit=1000', { token: node.tokens.admin });
    const actions = json.entries.map((e: { action: string }) => e.action);
    for (const a of ['token.created', 'token.revoked', 'incident.declared', 'incident.acknowledged', 'incident.updated', 'incident.resolved', 'incident.role_assigned', 'incident.event_pinned']) {
      assert.ok(actions.includes(a), `audit has ${a}`);
    }
    const declared = json.entries.find((e: { action: string; actor: string }) => e.action === 'incident.declared' && e.actor === 'token:responder-token');
    assert.equal(declared.role, 'responder');
    assert.equal(declared.at, new Date(T0).toISOString(), 'time from the injected clock');
    const text = JSON.stringify(json) + readFileSync(join(node.dir, 'c.db')).toString('latin1');
    for (const secret of Object.values(node.tokens)) assert.ok(!text.includes(secret), 'no secret in the audit log or the store');
    const verify = await node.call('GET', '/v1/audit/verify', { token: node.tokens.admin });
    assert.equal(verify.json.ok, true);
  });
});

describe('admin API: bad requests get a clear JSON error and change nothing', () => {
  let node: Awaited<ReturnType<typeof startApiNode>>;
  before(async () => {
    node = await startApiNode({ config: { api: { maxBodyBytes: 2048 } } as never });
  });
  after(async () => {
    await node.close();
  });

  it('unknown route, wrong method, bad JSON, wrong media type, oversized body, invalid fields, unknown incident', async () => {
    const count = async () => (await node.call('GET', '/v1/incidents')).json.incidents.length;
    const cases: [Promise<{ status: number; json: Json }>, number, RegExp][] = [
      [node.call('GET', '/v1/nope'), 404, /openapi\.json/],
      [node.call('DELETE', '/v1/incidents'), 405, /use GET, POST/],
      [node.call('POST', '/v1/incidents', { body: '{"title": ' }), 400, /not JSON/],
      [node.call('POST', '/v1/incidents', { body: 'title=x', headers: { 'content-type': 'text/plain' } }), 415, /application\/json/],
      [node.call('POST', '/v1/incidents', { body: { title: 'x'.repeat(4000), severity: 'P1' } }), 413, /api\.maxBodyBytes/],
      [node.call('POST', '/v1/incidents', { body: { title: 'x', severity: 'P5', extra: 1 } }), 400, /body\.severity.*P0/],
      [node.call('POST', '/v1/incidents/INC-nope/ack'), 404, /no incident INC-nope/],
      [node.call('POST', '/v1/incidents/INC-nope/updates', { body: {} }), 404, /no incident/],
    ];
    for (const [p, status, message] of cases) {
      const r = await p;
      assert.equal(r.status, status, JSON.stringify(r.json));
      assert.match(r.json.error.message, message);
      assert.equal(typeof r.json.error.code, 'string');
    }
    assert.equal(await count(), 0);
  });

  it('refuses changes the lifecycle does not allow, saying what to do', async () => {
    const id = (await node.call('POST', '/v1/incidents', { body: { title: 'x', severity: 'P2' } })).json.incident.id;
    const early = await node.call('POST', `/v1/incidents/${id}/updates`, { body: { status: 'postmortem' } });
    assert.equal(early.status, 409);
    assert.match(early.json.error.message, /resolve it before/);
    assert.equal((await node.call('POST', `/v1/incidents/${id}/updates`, { body: {} })).status, 422);
    await node.call('POST', `/v1/incidents/${id}/resolve`, { body: {} });
    const again = await node.call('POST', `/v1/incidents/${id}/resolve`, { body: {} });
    assert.equal(again.status, 409);
    assert.equal((await node.call('POST', `/v1/incidents/${id}/updates`, { body: { status: 'postmortem' } })).json.incident.status, 'postmortem');
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas, without a token', async () => {
    const res = await fetch(`${node.base}/api/openapi.json`);
    assert.equal(res.status, 200);
    const doc = (await res.json()) as { openapi: string; paths: Record<string, Record<string, Json>>; components: { schemas: Record<string, unknown> } };
    assert.equal(doc.openapi, '3.1.0');
    for (const p of ['/api/v1/incidents', '/api/v1/incidents/{id}', '/api/v1/incidents/{id}/ack', '/api/v1/incidents/{id}/updates', '/api/v1/incidents/{id}/resolve', '/api/v1/alertmanager', '/api/v1/tokens', '/api/v1/audit/verify']) {
      assert.ok(doc.paths[p], `documents ${p}`);
    }
    const declare = doc.paths['/api/v1/incidents'].post;
    assert.equal(declare['x-required-role'], 'responder');
    assert.equal(declare.requestBody.content['application/json'].schema.$ref, '#/components/schemas/DeclareIncident');
    assert.deepEqual((doc.components.schemas.DeclareIncident as { properties: { severity: { enum: string[] } } }).properties.severity.enum, ['P0', 'P1', 'P2', 'P3']);
    assert.ok(declare.responses['403']);
    assert.deepEqual(doc.paths['/api/v1/incidents/{id}'].get.parameters.map((p: { name: string; in: string }) => `${p.in}:${p.name}`), ['path:id']);
  });
});
