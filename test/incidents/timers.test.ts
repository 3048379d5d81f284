/** Escalation, update-cadence reminders and the debrief, fired at their deadlines on an injected clock. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { escalationDue, reminderDue } from '../../src/incidents/timers.js';
import { startReceiver, type Receiver } from '../support/receiver.js';
import { MINUTE, receivers, responder, startControl, T0 } from '../support/control.js';

const HOUR = 60 * MINUTE;

describe('incident timers', () => {
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

  const at = async (ms: number) => {
    h.clock.set(T0 + ms);
    const fired = await h.control.timers.tick();
    await h.control.incidents.settled();
    return fired.map((f) => `${f.kind}@${(f.dueAt - T0) / MINUTE}m`);
  };
  const escalationPages = () =>
    receiver.received
      .filter((p) => p.path === '/v2/enqueue' && (p.body.payload as { custom_details: { kind: string } }).custom_details.kind === 'escalation')
      .map((p) => (p.body.payload as { custom_details: { escalation: { target: string } } }).custom_details.escalation.target);

  it('escalates an unacknowledged P2 at each response time, one level up each time, up to the top', async () => {
    const inc = await h.control.incidents.declare({ title: 'slow', severity: 'P2' }, responder);
    assert.deepEqual(await at(59 * MINUTE), []);
    assert.deepEqual(await at(60 * MINUTE), ['escalation@60m']);
    assert.deepEqual(await at(61 * MINUTE), [], 'fires once per deadline');
    assert.deepEqual(await at(120 * MINUTE), ['escalation@120m']);
    assert.deepEqual(await at(180 * MINUTE), ['escalation@180m']);
    assert.deepEqual(await at(600 * MINUTE), [], 'executive leadership is the top');
    assert.deepEqual(escalationPages(), ['engineering-management', 'senior-engineering', 'executive-leadership']);
    const shown = await h.control.incidents.get(inc.id);
    assert.equal(shown!.incident.escalation.level, 3);
    assert.equal(shown!.timeline.filter((t) => t.type === 'incident.escalated').length, 3);
  });

  it('escalates a P0 to executive leadership after 15 minutes; an acknowledgement stops escalation', async () => {
    const p0 = await h.control.incidents.declare({ title: 'down', severity: 'P0' }, responder);
    const p1 = await h.control.incidents.declare({ title: 'region', severity: 'P1' }, responder);
    await h.control.incidents.acknowledge(p1.id, responder);
    const fired = await at(15 * MINUTE);
    assert.ok(fired.includes('escalation@15m'));
    assert.deepEqual(escalationPages(), ['executive-leadership']);
    assert.equal((await h.control.incidents.get(p0.id))!.incident.escalation.target, 'executive-leadership');
    await at(5 * HOUR);
    assert.equal((await h.control.incidents.get(p1.id))!.incident.escalation.level, 0);
  });

  it('reminds to post an external update every 15 minutes during a P0/P1, counted from the last external update', async () => {
    const inc = await h.control.incidents.declare({ title: 'region', severity: 'P1' }, responder);
    await h.control.incidents.acknowledge(inc.id, responder);
    const minor = await h.control.incidents.declare({ title: 'minor', severity: 'P2' }, responder);
    await h.control.incidents.acknowledge(minor.id, responder);
    assert.deepEqual(await at(14 * MINUTE), []);
    assert.deepEqual(await at(15 * MINUTE), ['reminder@15m']);
    assert.deepEqual(await at(20 * MINUTE), []);
    h.clock.set(T0 + 25 * MINUTE);
    await h.control.incidents.update(inc.id, { message: 'status page updated', external: true }, responder);
    assert.deepEqual(await at(39 * MINUTE), [], '15 min from the external update at 25m, not from the reminder at 15m');
    assert.deepEqual(await at(40 * MINUTE), ['reminder@40m']);
    assert.deepEqual(await at(100 * MINUTE), ['reminder@100m'], 'after a pause: one reminder for the latest deadline, not a burst');
    const hooks = receiver.received.filter((p) => p.path === '/hook' && p.body.kind === 'reminder');
    assert.equal(hooks.length, 3, 'reminders go to webhooks');
    assert.ok(!receiver.received.some((p) => p.path === '/v2/enqueue' && (p.body.payload as { custom_details: { kind: string } }).custom_details.kind === 'reminder'), 'but never open a PagerDuty alert');
  });

  it('after a failover the cadence becomes 4 hours, and resolution stops reminders and schedules the debrief within 24 h', async () => {
    const inc = await h.control.incidents.declare({ title: 'db primary lost', severity: 'P0' }, responder);
    await h.control.incidents.acknowledge(inc.id, responder);
    h.clock.set(T0 + 10 * MINUTE);
    await h.control.incidents.update(inc.id, { failover: true, status: 'monitoring' }, responder);
    assert.deepEqual(await at(30 * MINUTE), []);
    assert.deepEqual(await at(10 * MINUTE + 4 * HOUR), ['reminder@250m']);
    h.clock.set(T0 + 5 * HOUR);
    const resolved = await h.control.incidents.resolve(inc.id, 'replica promoted', responder);
    assert.equal(resolved.debriefDueAt, T0 + 5 * HOUR + 24 * HOUR);
    assert.equal(resolved.mitigatedAt, T0 + 10 * MINUTE);
    assert.deepEqual(await at(20 * HOUR), []);
    const timeline = (await h.control.incidents.get(inc.id))!.timeline;
    const debrief = timeline.find((t) => t.type === 'incident.debrief_scheduled')!;
    assert.deepEqual(debrief.details.attendees, ['ic', 'tl', 'sre', 'dba', 'net']);
  });

  it('an escalation page carries the contacts configured for its level', async () => {
    await h.control.incidents.declare({ title: 'region', severity: 'P1' }, responder);
    await at(30 * MINUTE);
    const page = receiver.received.find((p) => p.path === '/v2/enqueue' && (p.body.payload as { custom_details: { kind: string } }).custom_details.kind === 'escalation');
    const esc = (page!.body.payload as { custom_details: { escalation: { target: string; contacts: { name: string }[] } } }).custom_details.escalation;
    assert.equal(esc.target, 'senior-engineering');
    assert.deepEqual(esc.contacts.map((c) => c.name), ['Tom Lead', 'Sam Sre']);
  });

  it('a debrief not held by its deadline is reminded once; moving to postmortem counts as held', async () => {
    const a = await h.control.incidents.declare({ title: 'a', severity: 'P2' }, responder);
    const b = await h.control.incidents.declare({ title: 'b', severity: 'P2' }, responder);
    await h.control.incidents.acknowledge(a.id, responder);
    await h.control.incidents.acknowledge(b.id, responder);
    await h.control.incidents.resolve(a.id, 'fixed', responder);
    await h.control.incidents.resolve(b.id, 'fixed', responder);
    await h.control.incidents.update(b.id, { status: 'postmortem' }, responder);
    assert.deepEqual(await at(24 * HOUR - 1), []);
    assert.deepEqual(await at(24 * HOUR), ['debrief-overdue@1440m']);
    assert.deepEqual(await at(30 * HOUR), [], 'reminded once');
    const timeline = (await h.control.incidents.get(a.id))!.timeline;
    assert.equal(timeline.filter((t) => /debrief was due/.test(t.what)).length, 1);
    assert.ok(receiver.received.some((p) => JSON.stringify(p.body).includes('hold the debrief')));
  });

  it('tabletop exercises run the timers without paging anyone', async () => {
    await h.control.incidents.declare({ title: 'exercise', severity: 'P1', mode: 'tabletop' }, responder);
    assert.deepEqual(await at(30 * MINUTE), ['escalation@30m', 'reminder@30m']);
    assert.equal(receiver.received.length, 0);
  });

  it('due computations are pure functions of the incident and the time', async () => {
    const inc = await h.control.incidents.declare({ title: 'x', severity: 'P3' }, responder);
    assert.equal(escalationDue(inc, T0 + 119 * MINUTE), null);
    assert.deepEqual(escalationDue(inc, T0 + 120 * MINUTE), { level: 1, target: 'engineering-team', responseMs: 120 * MINUTE, dueAt: T0 + 120 * MINUTE });
    assert.equal(reminderDue(inc, T0 + 10 * HOUR, h.config.incidents.cadence), null, 'no cadence for P3');
  });
});
