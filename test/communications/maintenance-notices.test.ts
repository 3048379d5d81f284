/**
 * Maintenance notices. The rule of which notice is due (announcement, the nearest reminder reached,
 * start, completion, cancellation) over a window's life; then end to end on a node with a manual clock:
 * a subscriber of the window's component gets every notice by e-mail through a real SMTP server, a
 * subscriber of another component gets none, a Slack route listing the `maintenance` template gets
 * them too, each exactly once however many times the notices tick, and the window lists what was sent.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { dueNotice, leadText } from '../../src/communications/maintenance-notices.js';
import { ManualClock } from '../../src/core/clock.js';
import type { Maintenance } from '../../src/maintenance/model.js';
import { startApiNode } from '../support/api.js';
import { startSmtp } from '../support/smtp.js';
import { eventually } from '../support/eventually.js';
import { startHttpReceiver } from './receiver.js';

const HOUR = 3_600_000;
const T0 = Date.parse('2026-12-07T09:00:00Z');
const LEADS = [24 * HOUR, HOUR];

function window(over: Partial<Maintenance> = {}): Maintenance {
  return {
    id: 'MNT-1',
    title: 'Database upgrade',
    body: '',
    components: ['db'],
    status: 'scheduled',
    scheduledFor: T0 + 72 * HOUR,
    scheduledUntil: T0 + 74 * HOUR,
    autoStart: true,
    autoComplete: true,
    createdAt: T0,
    createdBy: 'token:resp',
    startedAt: null,
    completedAt: null,
    cancelledAt: null,
    updates: [],
    notices: [],
    version: 1,
    updatedAt: T0,
    ...over,
  };
}

describe('which maintenance notice is due', () => {
  it('announces, then reminds at each lead reached, then tells the start and the end', () => {
    const w = window();
    assert.equal(dueNotice(w, T0, LEADS), 'announced');
    w.notices.push('announced');
    assert.equal(dueNotice(w, T0 + 47 * HOUR, LEADS), null, 'more than 24 h before the start: nothing');
    assert.equal(dueNotice(w, T0 + 48 * HOUR, LEADS), `reminder:${24 * HOUR}`);
    w.notices.push(`reminder:${24 * HOUR}`);
    assert.equal(dueNotice(w, T0 + 60 * HOUR, LEADS), null);
    assert.equal(dueNotice(w, T0 + 71 * HOUR, LEADS), `reminder:${HOUR}`);
    w.notices.push(`reminder:${HOUR}`);
    assert.equal(dueNotice(w, T0 + 72 * HOUR, LEADS), null, 'due to start: the start notice follows the transition');
    assert.equal(dueNotice({ ...w, status: 'in_progress', startedAt: T0 + 72 * HOUR }, T0 + 72 * HOUR, LEADS), 'started');
    assert.equal(dueNotice({ ...w, status: 'completed', completedAt: T0 + 74 * HOUR }, T0 + 74 * HOUR, LEADS), 'completed');
  });

  it('sends no reminder the window was not announced before, and none late once a nearer one is due', () => {
    const soon = window({ createdAt: T0 + 70 * HOUR, notices: ['announced'] });
    assert.equal(dueNotice(soon, T0 + 70 * HOUR, LEADS), null, 'scheduled 2 h ahead: no 24 h reminder');
    assert.equal(dueNotice(soon, T0 + 71 * HOUR, LEADS), `reminder:${HOUR}`);
    const missed = window({ notices: ['announced'] });
    assert.equal(dueNotice(missed, T0 + 71.5 * HOUR, LEADS), `reminder:${HOUR}`, 'a node down at the 24 h point: only the 1 h reminder');
  });

  it('tells a cancellation only to those who heard of the window, and stays quiet about old windows', () => {
    assert.equal(dueNotice(window({ status: 'cancelled' }), T0, LEADS), null);
    assert.equal(dueNotice(window({ status: 'cancelled', notices: ['announced'] }), T0, LEADS), 'cancelled');
    assert.equal(dueNotice(window({ status: 'completed', completedAt: T0 }), T0 + 25 * HOUR, LEADS), null, 'completed over a day ago');
    assert.equal(dueNotice(window({ status: 'completed', completedAt: T0, notices: ['completed'] }), T0, LEADS), null);
  });

  it('says lead times the way people do', () => {
    assert.deepEqual([HOUR, 24 * HOUR, 72 * HOUR, 30 * 60_000].map(leadText), ['1 hour', '24 hours', '3 days', '30 minutes']);
  });
});


describe('maintenance notices end to end (real SMTP, a loopback Slack receiver, a manual clock)', () => {
  const clock = new ManualClock(T0);
  let smtp: Awaited<ReturnType<typeof startSmtp>>;
  let slack: Awaited<ReturnType<typeof startHttpReceiver>>;
  let node: Awaited<ReturnType<typeof startApiNode>>;
  before(async () => {
    smtp = await startSmtp();
    slack = await startHttpReceiver();
    node = await startApiNode({
      clock,
      config: {
        maintenance: { interval: '50ms' },
        communications: {
          product: 'erlmcp v3',
          statusPageUrl: 'https://status.example.test',
          channels: [
            { type: 'email', name: 'mail', host: '127.0.0.1', port: smtp.port, from: 'Continuum <continuum@example.test>' },
            { type: 'slack', name: 'ops-slack', url: `${slack.base}/slack` },
          ],
          routes: [{ channel: 'ops-slack', templates: ['maintenance'] }],
        },
      } as never,
    });
  });
  after(async () => {
    await node?.close();
    await slack?.close();
    await smtp?.close();
  });

  const mailsTo = (addr: string) => smtp.mails.filter((m) => m.to.includes(addr)).map((m) => m.mail);

  async function subscribe(address: string, components: string[]) {
    const sub = await node.call('POST', '/v1/subscriptions', { token: null, body: { kind: 'email', address, components } });
    assert.equal(sub.status, 202);
    await eventually(async () => assert.equal(mailsTo(address).length, 1), 10_000);
    const link = /(http:\/\/\S+\/api\/v1\/subscriptions\/confirm\?token=\S+)/.exec(mailsTo(address)[0].text ?? '')?.[1];
    assert.equal((await fetch(link!)).status, 200);
  }

  it('notifies the subscribers of its components and the maintenance route of each step, once each', async () => {
    await subscribe('dba@example.test', ['db']);
    await subscribe('gw@example.test', ['gateway']);

    const scheduled = await node.call('POST', '/v1/maintenance', {
      token: node.tokens.responder,
      body: { title: 'Database upgrade', body: 'PostgreSQL 16 to 17', components: ['db'], scheduledFor: new Date(T0 + 48 * HOUR).toISOString(), scheduledUntil: new Date(T0 + 50 * HOUR).toISOString() },
    });
    assert.equal(scheduled.status, 201);
    assert.match(scheduled.json.warnings[0], /^short notice: the window starts in 48 h, less than the 72 h the plan asks for/);
    const id = scheduled.json.maintenance.id as string;

    const subjects = () => mailsTo('dba@example.test').slice(1).map((m) => m.subject);
    await eventually(async () => assert.deepEqual(subjects(), ['Scheduled maintenance: Database upgrade']), 10_000);
    const announcement = mailsTo('dba@example.test')[1].text ?? '';
    for (const line of [
      'Scheduled maintenance: Database upgrade',
      'When: 9 Dec 2026, 09:00 UTC to 9 Dec 2026, 11:00 UTC',
      'Affected: db',
      'Status: scheduled',
      'PostgreSQL 16 to 17',
      'Announced at short notice (less than 72 hours ahead).',
      'Details: https://status.example.test',
      `Maintenance: ${id}`,
      'Unsubscribe: http',
    ]) {
      assert.ok(announcement.includes(line), `the announcement has "${line}":\n${announcement}`);
    }

    // Each step of the clock brings the next notice: the 24 h and 1 h reminders, the start, the end.
    const steps: [number, string][] = [
      [24 * HOUR, 'Reminder: maintenance starts in 24 hours: Database upgrade'],
      [47 * HOUR, 'Reminder: maintenance starts in 1 hour: Database upgrade'],
      [48 * HOUR, 'Maintenance in progress: Database upgrade'],
      [50 * HOUR, 'Maintenance completed: Database upgrade'],
    ];
    const expected = ['Scheduled maintenance: Database upgrade'];
    for (const [at, subject] of steps) {
      clock.set(T0 + at);
      expected.push(subject);
      await eventually(async () => assert.deepEqual(subjects(), expected), 10_000);
    }
    // The Slack route got the same notices; the other component's subscriber none.
    await slack.until(() => slack.accepted.length >= 5);
    assert.deepEqual(
      slack.accepted.map((h) => (h.body as { blocks: { text: { text: string } }[] }).blocks[0].text.text),
      expected,
    );
    assert.equal(mailsTo('gw@example.test').length, 1, 'only its confirmation');

    // Ticking again (as every node does) sends nothing twice.
    await node.node.control.maintenanceNotices.tick();
    await node.node.control.maintenanceNotices.tick();
    const w = await node.call('GET', `/v1/maintenance/${id}`, { token: node.tokens.viewer });
    assert.deepEqual(w.json.maintenance.notices, ['announced', `reminder:${24 * HOUR}`, `reminder:${HOUR}`, 'started', 'completed']);
    assert.equal(subjects().length, 5);
    assert.equal(slack.hits.length, 5);
  });
});
