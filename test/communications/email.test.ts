/**
 * E-mail through a real SMTP server (smtp-server) parsed with mailparser: the double opt-in
 * confirmation, the plan's initial alert to the on-call address, and the plan's customer e-mail for a
 * P1 to a confirmed subscriber, with every template field checked, in both the plain-text and HTML
 * parts; one-click unsubscribe stops further customer e-mail.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { ParsedMail } from 'mailparser';
import { eventually } from '../support/eventually.js';
import { startApiNode } from '../support/api.js';
import { startSmtp } from '../support/smtp.js';


const textOf = (m: ParsedMail) => m.text ?? '';
const htmlOf = (m: ParsedMail) => (typeof m.html === 'string' ? m.html : '');

describe('e-mail over a real SMTP server', () => {
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let node: Awaited<ReturnType<typeof startApiNode>>;
  before(async () => {
    smtp = await startSmtp();
    node = await startApiNode({
      config: {
        communications: {
          product: 'erlmcp v3',
          statusPageUrl: 'https://status.example.test/erlmcp',
          channels: [{ type: 'email', name: 'mail', host: '127.0.0.1', port: smtp.port, from: 'Continuum <continuum@example.test>', to: ['dev-notify@example.test'] }],
          routes: [{ channel: 'mail', templates: ['initial', 'update', 'resolution'] }],
        },
      } as never,
    });
  });
  after(async () => {
    await node.close();
    await smtp.close();
  });

  const mailsTo = (addr: string) => smtp.mails.filter((m) => m.to.includes(addr));

  it('confirms a subscriber, then sends the initial alert and the customer e-mail with every field', async () => {
    // Subscribe (public route, as the status page's form does): nothing but a confirmation until confirmed.
    const sub = await node.call('POST', '/v1/subscriptions', { token: null, body: { kind: 'email', address: 'Customer@Example.test', components: ['gateway'] } });
    assert.equal(sub.status, 202);
    assert.equal(sub.json.status, 'pending');
    const again = await node.call('POST', '/v1/subscriptions', { token: null, body: { kind: 'email', address: 'customer@example.test' } });
    assert.deepEqual(again.json, sub.json, 'asked again at once: same pending subscription, no second e-mail');
    await eventually(async () => assert.equal(mailsTo('customer@example.test').length, 1), 10_000);
    const confirmation = mailsTo('customer@example.test')[0].mail;
    assert.equal(confirmation.subject, 'Confirm your subscription to erlmcp v3 status updates');
    const link = /(http:\/\/\S+\/api\/v1\/subscriptions\/confirm\?token=\S+)/.exec(textOf(confirmation))?.[1];
    assert.ok(link, 'the confirmation carries its link');
    assert.ok(htmlOf(confirmation).includes(`token&#x3D;${link.split('token=')[1]}`), 'and in the HTML part (HTML-escaped)');
    const confirmed = await fetch(link);
    assert.equal(confirmed.status, 200);
    assert.equal(((await confirmed.json()) as { status: string }).status, 'active');
    assert.equal((await fetch(link)).status, 404, 'a confirmation link works once');

    const declared = await node.call('POST', '/v1/incidents', {
      token: node.tokens.responder,
      body: { title: 'EU region down', severity: 'P1', components: ['gateway', 'sessions'], impact: 'EU customers' },
    });
    assert.equal(declared.status, 201);
    const id = declared.json.incident.id as string;

    // The initial alert to the team address: the plan's fields, in text and HTML.
    await eventually(async () => assert.equal(mailsTo('dev-notify@example.test').length, 1), 10_000);
    const alert = mailsTo('dev-notify@example.test')[0].mail;
    assert.equal(alert.subject, '🚨 INCIDENT ALERT: [P1] EU region down');
    assert.equal(alert.from?.value[0].address, 'continuum@example.test');
    const t = textOf(alert);
    for (const line of ['🚨 INCIDENT ALERT: EU region down', 'Severity: P1 (High)', 'Affected Systems: gateway, sessions', 'Status: Investigating', 'Estimated Time: Not yet known', `Incident: ${id}`]) {
      assert.ok(t.includes(line), `text has "${line}"`);
    }
    const html = htmlOf(alert);
    for (const cell of ['<th align="left" style="padding:2px 12px 2px 0">Severity</th><td>P1 (High)</td>', '<td>gateway, sessions</td>', '<td>Investigating</td>', '<td>Not yet known</td>']) {
      assert.ok(html.includes(cell), `html has ${cell}`);
    }
    assert.match(alert.messageId ?? '', /^<msg_[A-Za-z0-9_-]+@continuum>$/, 'Message-ID from the idempotency key');

    // The customer e-mail (P0/P1) to the confirmed subscriber.
    await eventually(async () => assert.equal(mailsTo('customer@example.test').length, 2), 10_000);
    const customer = mailsTo('customer@example.test')[1].mail;
    assert.equal(customer.subject, 'Service Incident - erlmcp v3 Service Disruption');
    const c = textOf(customer);
    for (const line of [
      'Dear Valued Customer,',
      'We are currently experiencing a service disruption affecting erlmcp v3.',
      'Current Status: Investigating',
      'Affected Services: gateway, sessions',
      'Estimated Resolution: Not yet known',
      'please visit our status page: https://status.example.test/erlmcp',
      'The erlmcp v3 Team',
    ]) {
      assert.ok(c.includes(line), `customer text has "${line}"`);
    }
    assert.ok(htmlOf(customer).includes('<a href="https://status.example.test/erlmcp">status page</a>'));
    const unsubscribe = /Unsubscribe: (\S+)/.exec(c)?.[1];
    assert.ok(unsubscribe);
    const header = (name: string) => customer.headerLines.find((l) => l.key === name)?.line.replace(/^[^:]+:\s*/, '').replace(/\s+/g, ' ');
    assert.equal(header('list-unsubscribe-post'), 'List-Unsubscribe=One-Click');
    assert.equal(header('list-unsubscribe'), `<${unsubscribe}>`);

    // An update with the plan's fields (ETA, next steps) reaches the customer too.
    const sent = await node.call('POST', `/v1/incidents/${id}/notify`, { token: node.tokens.responder, body: { template: 'update', eta: '30 minutes', nextSteps: 'Fail over to us-east' } });
    assert.equal(sent.status, 200);
    await eventually(async () => assert.equal(mailsTo('customer@example.test').length, 3), 10_000);
    assert.ok(textOf(mailsTo('customer@example.test')[2].mail).includes('Estimated Resolution: 30 minutes'));
    await eventually(async () => assert.equal(mailsTo('dev-notify@example.test').length, 2), 10_000);
    const update = textOf(mailsTo('dev-notify@example.test')[1].mail);
    assert.ok(update.includes('Next Steps: Fail over to us-east') && update.includes('ETA: 30 minutes'), update);

    // One-click unsubscribe (RFC 8058): a POST to the link; no more customer e-mail afterwards.
    const one = await fetch(unsubscribe, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    assert.equal(one.status, 200);
    assert.equal(((await one.json()) as { status: string }).status, 'unsubscribed');
    await node.call('POST', `/v1/incidents/${id}/resolve`, { token: node.tokens.responder, body: { message: 'failed over' } });
    await eventually(async () => assert.equal(mailsTo('dev-notify@example.test').length, 3), 10_000);
    assert.match(mailsTo('dev-notify@example.test')[2].mail.subject ?? '', /✅ INCIDENT RESOLVED/);
    assert.equal(mailsTo('customer@example.test').length, 3, 'nothing more to an unsubscribed address');
  });

  it('answers bad subscriptions and bad links with clear errors', async () => {
    const bad = await node.call('POST', '/v1/subscriptions', { token: null, body: { kind: 'email', address: 'not an address' } });
    assert.equal(bad.status, 422);
    assert.match(bad.json.error.message, /not an e-mail address/);
    const link = await fetch(`${node.base}/api/v1/subscriptions/confirm?token=nope`);
    assert.equal(link.status, 404);
    const list = await node.call('GET', '/v1/subscriptions', { token: node.tokens.viewer });
    assert.equal(list.status, 403, 'listing subscribers needs admin');
  });
});
