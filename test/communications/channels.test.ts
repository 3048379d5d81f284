/**
 * Channels over loopback HTTP: an incident's life (declare, ack, update, resolve) reaches Slack (Block
 * Kit with fallback text), PagerDuty Events API v2 (trigger, acknowledge, resolve; dedup key; severity
 * mapping), Standard Webhooks receivers (signatures verified here independently, two secrets for
 * rotation) and a Twilio-compatible SMS API, as the routing rules say; every delivery is on the
 * incident's timeline.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verify } from '../../src/communications/channels/signing.js';
import { responder, startControl, T0 } from '../support/control.js';
import { startHttpReceiver, type Hit, type HttpReceiver } from './receiver.js';

const SECRET_A = 'whsec_' + Buffer.from('first secret, 32 bytes long.....').toString('base64');
const SECRET_B = 'whsec_' + Buffer.from('second secret, rotated in.......').toString('base64');

/** Standard Webhooks verification written from the spec, not with the code under test. */
function signatureValid(secret: string, h: Hit): boolean {
  const id = String(h.headers['webhook-id']);
  const ts = String(h.headers['webhook-timestamp']);
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  const expected = 'v1,' + createHmac('sha256', key).update(`${id}.${ts}.${h.raw}`).digest('base64');
  return String(h.headers['webhook-signature']).split(' ').includes(expected);
}

export function channelsConfig(base: string) {
  return {
    communications: {
      statusPageUrl: 'https://status.example.test/erlmcp',
      channels: [
        { type: 'slack', name: 'slack', url: `${base}/slack`, rate: { perSecond: 1000, burst: 1000 } },
        { type: 'pagerduty', name: 'pd', url: `${base}/v2/enqueue`, routingKey: 'rk-comms-1' },
        { type: 'webhook', name: 'hook', url: `${base}/hook`, secrets: [SECRET_A, SECRET_B], headers: { 'x-team': 'sre' } },
        { type: 'sms', name: 'sms', url: `${base}/2010-04-01/Accounts/AC1/Messages.json`, accountSid: 'AC1', authToken: 'sms-token', from: '+15550000', to: ['+15550199'] },
      ],
      routes: [
        { channel: 'slack', templates: ['initial', 'update', 'resolution'] },
        { channel: 'pd' },
        { channel: 'hook', audiences: ['team', 'public'] },
        { channel: 'sms', templates: ['initial'], severities: ['P0', 'P1'] },
        { channel: 'sms', audiences: ['incident-commander'] },
      ],
      subscribers: { webhookSecret: SECRET_A },
    },
  };
}

describe('channels over loopback HTTP', () => {
  let r: HttpReceiver;
  let h: Awaited<ReturnType<typeof startControl>>;
  beforeEach(async () => {
    r = await startHttpReceiver();
    h = await startControl({ config: channelsConfig(r.base) as never });
  });
  afterEach(async () => {
    await h.close();
    await r.close();
  });

  const at = (path: string) => r.hits.filter((x) => x.path === path);

  it("carries an incident's life to Slack, PagerDuty, signed webhooks and SMS, with every delivery on the timeline", async () => {
    const svc = h.control.incidents;
    const inc = await svc.declare({ title: 'EU region down', severity: 'P1', components: ['gateway', 'sessions'], impact: 'EU customers' }, responder);
    await svc.settled();

    // Slack: Block Kit with the plan's initial alert as fallback text.
    const [slack] = at('/slack');
    const s = slack.body as { text: string; blocks: { type: string; text?: { text: string } }[] };
    assert.match(s.text, /🚨 INCIDENT ALERT: EU region down/);
    assert.match(s.text, /Severity: P1/);
    assert.match(s.text, /Affected Systems: gateway, sessions/);
    assert.match(s.text, /Status: Investigating/);
    assert.match(s.text, /Estimated Time: Not yet known/);
    assert.deepEqual(s.blocks.map((b) => b.type), ['header', 'section', 'context']);
    assert.equal(s.blocks[1].text?.text, s.text);

    // PagerDuty: trigger, dedup key = the incident's, P1 -> error, routing key added at send time.
    const [trigger] = at('/v2/enqueue');
    const pd = trigger.body as { routing_key: string; event_action: string; dedup_key: string; payload: { severity: string; summary: string; component: string } };
    assert.equal(pd.routing_key, 'rk-comms-1');
    assert.equal(pd.event_action, 'trigger');
    assert.equal(pd.dedup_key, inc.id);
    assert.equal(pd.payload.severity, 'error');
    assert.equal(pd.payload.component, 'gateway');
    assert.match(pd.payload.summary, new RegExp(`P1 ${inc.id}: EU region down`));

    // Webhooks: team alert and public post, each signed with both secrets (rotation).
    const hooks = at('/hook');
    assert.deepEqual(hooks.map((x) => (x.body as { type: string; audience: string }).audience).sort(), ['public', 'team']);
    for (const hk of hooks) {
      assert.ok(signatureValid(SECRET_A, hk) && signatureValid(SECRET_B, hk), 'signed with each secret');
      assert.ok(verify(SECRET_B, hk.headers, hk.raw, Math.floor(T0 / 1000)));
      assert.ok(!verify(SECRET_A, hk.headers, hk.raw + ' ', Math.floor(T0 / 1000)), 'a changed body fails');
      assert.ok(!verify(SECRET_A, hk.headers, hk.raw, Math.floor(T0 / 1000) + 301), 'outside the 5-minute tolerance fails');
      assert.equal(hk.headers['x-team'], 'sre');
      assert.equal(hk.headers['webhook-id'], (hk.body as { idempotency_key: string }).idempotency_key);
    }

    // SMS: a Twilio form with basic auth.
    const [sms] = at('/2010-04-01/Accounts/AC1/Messages.json');
    assert.equal(sms.headers.authorization, `Basic ${Buffer.from('AC1:sms-token').toString('base64')}`);
    assert.deepEqual({ To: sms.body?.To, From: sms.body?.From }, { To: '+15550199', From: '+15550000' });
    assert.match(String(sms.body?.Body), /🚨 P1 .*EU region down/);

    await svc.acknowledge(inc.id, responder);
    await svc.update(inc.id, { status: 'identified', message: 'Failing over to us-east' }, responder);
    await svc.resolve(inc.id, 'Failover complete; EU traffic served from us-east', responder);
    await svc.settled();

    assert.deepEqual(at('/v2/enqueue').map((x) => (x.body as { event_action: string }).event_action), ['trigger', 'acknowledge', 'resolve']);
    const texts = at('/slack').map((x) => (x.body as { text: string }).text);
    assert.equal(texts.length, 4);
    assert.match(texts[1], /🔄 INCIDENT UPDATE[\s\S]*Previous Status: Investigating \(unacknowledged\)[\s\S]*Current Status: Acknowledged by token:resp/);
    assert.match(texts[2], /Previous Status: Investigating\nCurrent Status: Identified\nAction Taken: Failing over to us-east\nNext Steps: Not yet known\nETA: Not yet known/);
    assert.match(texts[3], /✅ INCIDENT RESOLVED: EU region down\nResolution Time: 0s\nRoot Cause: Failover complete; EU traffic served from us-east\nPrevention: .+\nPost-mortem: https:\/\/status\.example\.test\/erlmcp\/incidents\/INC-/);

    // Every delivery is on the timeline.
    const { timeline } = (await svc.get(inc.id))!;
    const delivered = timeline.filter((t) => t.type === 'incident.page_sent').flatMap((t) => (t.details.results as { receiver: string; ok: boolean }[]).map((x) => `${x.receiver}:${x.ok}`));
    for (const ch of ['slack', 'pd', 'hook', 'sms']) assert.ok(delivered.includes(`${ch}:true`), `${ch} on the timeline`);
    assert.ok(!delivered.some((x) => x.endsWith(':false')));
  });

  it('maps P0-P3 to PagerDuty critical, error, warning, info, and sends drills marked as such', async () => {
    for (const severity of ['P0', 'P1', 'P2', 'P3'] as const) await h.control.incidents.declare({ title: `sev ${severity}`, severity }, responder);
    await h.control.incidents.declare({ title: 'game day', severity: 'P2', mode: 'drill' }, responder);
    await h.control.incidents.settled();
    // Pages of different incidents travel independently: compare by title.
    const sev = Object.fromEntries(at('/v2/enqueue').map((x) => (x.body as { payload: { severity: string; summary: string } }).payload).map((p) => [p.summary.replace(/^.*: /, ''), p.severity]));
    assert.deepEqual(sev, { 'sev P0 (Investigating)': 'critical', 'sev P1 (Investigating)': 'error', 'sev P2 (Investigating)': 'warning', 'sev P3 (Investigating)': 'info', 'game day (Investigating)': 'warning' });
    assert.ok(at('/slack').some((x) => /^\[DRILL\] 🚨 INCIDENT ALERT: game day/.test((x.body as { text: string }).text)));
  });

  it('escapes by channel: Slack control characters are escaped, the webhook JSON keeps the text as given', async () => {
    await h.control.incidents.declare({ title: 'Users <@channel> & <!here> see 5xx', severity: 'P2' }, responder);
    await h.control.incidents.settled();
    const text = (at('/slack')[0].body as { text: string }).text;
    assert.match(text, /Users &lt;@channel&gt; &amp; &lt;!here&gt; see 5xx/);
    assert.doesNotMatch(text, /<@channel>|<!here>/);
    const hook = at('/hook')[0].body as { text: string; incident: { title: string } };
    assert.equal(hook.incident.title, 'Users <@channel> & <!here> see 5xx');
  });

  it('webhook subscribers: active at once, a signed subscription.created, then customer notices for their components only', async () => {
    const subs = h.control.communications.subscribers;
    const gw = await subs.subscribe({ kind: 'webhook', address: `${r.base}/sub/gateway`, components: ['gateway'] });
    assert.equal(gw.status, 'active');
    await subs.subscribe({ kind: 'webhook', address: `${r.base}/sub/billing`, components: ['billing'] });
    await r.until(() => at('/sub/gateway').length === 1 && at('/sub/billing').length === 1);
    const created = at('/sub/gateway')[0];
    assert.equal((created.body as { type: string }).type, 'subscription.created');
    assert.ok(signatureValid(SECRET_A, created));
    const unsubscribe = (created.body as { unsubscribe_url: string }).unsubscribe_url;
    assert.match(unsubscribe, /\/api\/v1\/subscriptions\/unsubscribe\?token=/);

    await h.control.incidents.declare({ title: 'Gateway down', severity: 'P0', components: ['gateway'] }, responder);
    await h.control.incidents.declare({ title: 'Drill', severity: 'P0', components: ['gateway'], mode: 'drill' }, responder);
    await h.control.incidents.settled();
    await r.until(() => at('/sub/gateway').length === 2);
    const notice = at('/sub/gateway')[1];
    assert.ok(signatureValid(SECRET_A, notice));
    const b = notice.body as { type: string; text: string; incident: { title: string } };
    assert.equal(b.type, 'incident.customer');
    assert.equal(b.incident.title, 'Gateway down', 'drills never reach customers');
    assert.match(b.text, /Dear Valued Customer[\s\S]*Affected Services: gateway[\s\S]*Unsubscribe: http/);
    assert.equal(at('/sub/billing').length, 1, 'another component: nothing');

    await subs.unsubscribe(new URL(unsubscribe).searchParams.get('token')!);
    assert.deepEqual((await subs.list('active')).map((s) => s.address), [`${r.base}/sub/billing`]);
  });

  it('with cadence.autoUpdate, a due update also posts "still investigating" publicly', async () => {
    const cfg = channelsConfig(r.base);
    const auto = await startControl({ config: { communications: { ...cfg.communications, cadence: { autoUpdate: true } } } as never });
    try {
      const inc = await auto.control.incidents.declare({ title: 'region', severity: 'P1', components: ['gateway'] }, responder);
      await auto.control.incidents.acknowledge(inc.id, responder);
      await auto.control.incidents.settled();
      const before = at('/hook').length;
      auto.clock.set(T0 + 15 * 60_000);
      await auto.control.timers.tick();
      await auto.control.incidents.settled();
      const posts = at('/hook').slice(before).map((x) => x.body as { audience: string; text: string });
      assert.deepEqual(posts.map((p) => p.audience), ['public']);
      assert.match(posts[0].text, /region: Still investigating\. Affected: gateway\. Updates every 15 minutes/);
    } finally {
      await auto.close();
    }
  });

  it('sends the update-cadence reminder to the Incident Commander', async () => {
    const inc = await h.control.incidents.declare({ title: 'region', severity: 'P1' }, responder);
    await h.control.incidents.acknowledge(inc.id, responder);
    h.clock.set(T0 + 15 * 60_000);
    await h.control.timers.tick();
    await h.control.incidents.settled();
    // startControl's team gives the Incident Commander the phone +1-555-0100.
    const reminders = at('/2010-04-01/Accounts/AC1/Messages.json').filter((x) => x.body?.To === '+1-555-0100');
    assert.equal(reminders.length, 1);
    assert.match(String(reminders[0].body?.Body), new RegExp(`⏰ ${inc.id}: Post an external update \\(due every 15 min\\)`));
  });
});
