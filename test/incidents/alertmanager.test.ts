/** The Alertmanager webhook receiver: firing opens, a duplicate is dropped, the group joins, resolved resolves. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { startApiNode } from '../support/api.js';
import { receivers, T0 } from '../support/control.js';
import { startReceiver, type Receiver } from '../support/receiver.js';

const alert = (fingerprint: string, status: 'firing' | 'resolved', labels: Record<string, string> = {}) => ({
  status,
  labels: { alertname: 'HighErrorRate', severity: 'critical', service: 'mcp-gateway', ...labels },
  annotations: { summary: 'error rate above 5%' },
  startsAt: '2025-06-02T08:58:00Z',
  endsAt: status === 'resolved' ? '2025-06-02T09:10:00Z' : '0001-01-01T00:00:00Z',
  generatorURL: 'http://prometheus.example/graph',
  fingerprint,
});

const payload = (status: 'firing' | 'resolved', alerts: ReturnType<typeof alert>[]) => ({
  version: '4',
  groupKey: '{}:{alertname="HighErrorRate"}',
  truncatedAlerts: 0,
  status,
  receiver: 'continuum',
  groupLabels: { alertname: 'HighErrorRate' },
  commonLabels: { alertname: 'HighErrorRate' },
  commonAnnotations: {},
  externalURL: 'http://alertmanager.example',
  alerts,
});

describe('Alertmanager webhook (version 4)', () => {
  let node: Awaited<ReturnType<typeof startApiNode>>;
  let receiver: Receiver;
  const clock = new ManualClock(T0);
  before(async () => {
    receiver = await startReceiver();
    node = await startApiNode({ clock, config: { incidents: { paging: { receivers: receivers(receiver) } } } as never });
  });
  after(async () => {
    await node.close();
    await receiver.close();
  });

  let incidentId = '';
  const hook = (body: unknown, token = node.tokens.responder) => node.call('POST', '/v1/alertmanager', { token, body });

  it('firing: opens an incident from the group, severity from the rules, and pages', async () => {
    const r = await hook(payload('firing', [alert('fp1', 'firing')]));
    assert.equal(r.status, 200, JSON.stringify(r.json));
    const [result] = r.json.results;
    assert.equal(result.outcome, 'opened');
    assert.equal(result.severity, 'P1');
    assert.equal(result.incident.startedAt, '2025-06-02T08:58:00.000Z', 'started = the alert startsAt');
    assert.deepEqual(result.incident.components, ['mcp-gateway']);
    assert.deepEqual(result.incident.alerts, { fp1: 'firing' });
    assert.equal(result.incident.metrics.timeToDetectSeconds, 120);
    incidentId = result.incident.id;
    assert.equal(receiver.received.filter((p) => p.path === '/v2/enqueue').length, 1);
  });

  it('duplicate: the same firing fingerprint again adds nothing and pages nobody', async () => {
    const before = (await node.call('GET', `/v1/incidents/${incidentId}`)).json.timeline.length;
    const r = await hook(payload('firing', [alert('fp1', 'firing')]));
    assert.equal(r.json.results[0].outcome, 'duplicate');
    assert.deepEqual(r.json.results[0].paged, []);
    assert.equal((await node.call('GET', `/v1/incidents/${incidentId}`)).json.timeline.length, before);
    assert.equal(receiver.received.filter((p) => p.path === '/v2/enqueue').length, 1);
  });

  it('a second alert of the group joins the same incident', async () => {
    const r = await hook(payload('firing', [alert('fp1', 'firing'), alert('fp2', 'firing', { instance: 'b' })]));
    assert.deepEqual(r.json.results.map((x: { outcome: string }) => x.outcome), ['duplicate', 'joined']);
    assert.equal(r.json.results[1].incident.id, incidentId);
    assert.deepEqual(r.json.results[1].incident.alerts, { fp1: 'firing', fp2: 'firing' });
    assert.equal((await node.call('GET', '/v1/incidents?status=open')).json.incidents.length, 1);
  });

  it('resolved: the incident resolves once every alert of the group resolved, with a debrief and a resolve page', async () => {
    clock.advance(10 * 60_000);
    const partly = await hook(payload('firing', [alert('fp1', 'resolved'), alert('fp2', 'firing', { instance: 'b' })]));
    assert.equal(partly.json.results[0].outcome, 'recovered');
    assert.equal(partly.json.results[0].incident.status, 'investigating');
    const r = await hook(payload('resolved', [alert('fp1', 'resolved'), alert('fp2', 'resolved', { instance: 'b' })]));
    assert.deepEqual(r.json.results.map((x: { outcome: string }) => x.outcome), ['recovered', 'resolved']);
    const inc = r.json.results[1].incident;
    assert.equal(inc.status, 'resolved');
    assert.equal(inc.resolvedAt, new Date(T0 + 10 * 60_000).toISOString());
    assert.equal(inc.debriefDueAt, new Date(T0 + 10 * 60_000 + 24 * 3_600_000).toISOString());
    await receiver.until((pages) => pages.some((p) => p.path === '/v2/enqueue' && p.body.event_action === 'resolve'));
    const resolvePage = receiver.received.find((p) => p.body.event_action === 'resolve')!;
    assert.equal(resolvePage.body.dedup_key, inc.dedupKey);
  });

  it('refuses a payload of another version, or malformed, saying what is wrong', async () => {
    const r = await hook({ ...payload('firing', [alert('x', 'firing')]), version: '3' });
    assert.equal(r.status, 400);
    assert.match(r.json.error.message, /version "4"/);
    const bad = await hook({ version: '4', status: 'firing', alerts: [] });
    assert.equal(bad.status, 400);
    assert.match(bad.json.error.message, /body\.groupKey/);
  });

  it('needs a responder token', async () => {
    assert.equal((await hook(payload('firing', [alert('v', 'firing')]), node.tokens.viewer)).status, 403);
    assert.equal((await node.call('POST', '/v1/alertmanager', { token: null, body: payload('firing', [alert('v', 'firing')]) })).status, 401);
  });
});
