/**
 * Templates: the plan's fields from incident data, overrides from files (checked at startup), escaping
 * by channel (fuzzed), and `continuum notify preview|status` against a running node.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { TEMPLATES } from '../../src/communications/config.js';
import { noticeData } from '../../src/communications/templates/data.js';
import { TemplateEngine, TemplateError } from '../../src/communications/templates/engine.js';
import { main } from '../../src/cli/index.js';
import { output } from '../../src/cli/output.js';
import type { Incident } from '../../src/incidents/model.js';
import { startApiNode } from '../support/api.js';

const T0 = Date.parse('2025-06-02T09:00:00Z');
const OPTS = { product: 'erlmcp v3', statusPageUrl: 'https://status.example.test/erlmcp', postmortemUrl: 'https://wiki.example.test/pm/{id}' };

function incident(o: Partial<Incident> = {}): Incident {
  return {
    id: 'INC-20250602-ABCDEF', title: 'EU region down', severity: 'P1', status: 'investigating', mode: 'real', components: ['gateway'], impact: '', summary: '',
    dedupKey: 'INC-20250602-ABCDEF', source: 'manual', declaredBy: 'token:ops', startedAt: T0, detectedAt: T0, acknowledgedAt: null, acknowledgedBy: null,
    mitigatedAt: null, resolvedAt: null, failoverAt: null, roles: [], signals: [], alerts: {}, escalation: { level: 0, target: null, at: null },
    lastExternalUpdateAt: null, lastReminderDueAt: null, debriefDueAt: null, mergedInto: null, version: 1, updatedAt: T0, ...o,
  };
}

describe('templates', () => {
  const dirs: string[] = [];
  after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

  it("renders the plan's update and resolution fields from the incident and the operator's notes", () => {
    const e = new TemplateEngine();
    const upd = e.render('update', 'sms', noticeData(incident({ status: 'identified' }), [], { previousStatus: 'Investigating', actionTaken: 'Drained eu-1', nextSteps: 'Fail over', eta: '14:30 UTC' }, OPTS, T0));
    assert.equal(upd.text, '🔄 INCIDENT UPDATE: EU region down\nPrevious Status: Investigating\nCurrent Status: Identified\nAction Taken: Drained eu-1\nNext Steps: Fail over\nETA: 14:30 UTC\nIncident: INC-20250602-ABCDEF');
    const res = e.render('resolution', 'email', noticeData(incident({ status: 'resolved', resolvedAt: T0 + 3_900_000 }), [], { rootCause: 'A bad route', prevention: 'Route checks in CI' }, OPTS, T0 + 4_000_000));
    assert.equal(res.text, '✅ INCIDENT RESOLVED: EU region down\nResolution Time: 1h 05m\nRoot Cause: A bad route\nPrevention: Route checks in CI\nPost-mortem: https://wiki.example.test/pm/INC-20250602-ABCDEF\nIncident: INC-20250602-ABCDEF');
    assert.match(res.html ?? '', /<a href="https:\/\/wiki\.example\.test\/pm\/INC-20250602-ABCDEF">/);
    const pub = e.render('public', 'webhook', noticeData(incident(), [], {}, OPTS, T0));
    assert.ok(pub.short.length <= 280, 'a social post fits');
  });

  it('takes overrides from files, per template or per channel type, and refuses a broken one at startup', () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-templates-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'initial.slack.text.hbs'), ':rotating_light: *{{incident.title}}* ({{incident.severity}}) - {{affected}}');
    writeFileSync(join(dir, 'customer.subject.hbs'), '[{{product}}] {{incident.title}}');
    const e = new TemplateEngine(dir);
    const data = noticeData(incident({ title: 'A <b> & c' }), [], {}, OPTS, T0);
    assert.equal(e.render('initial', 'slack', data).text, ':rotating_light: *A &lt;b&gt; &amp; c* (P1) - gateway');
    assert.match(e.render('initial', 'email', data).text, /^🚨 INCIDENT ALERT: A <b> & c/, 'other channels keep the default');
    assert.equal(e.render('customer', 'email', data).subject, '[erlmcp v3] A <b> & c');
    assert.equal(e.origin('initial', 'slack', 'text'), join(dir, 'initial.slack.text.hbs'));

    writeFileSync(join(dir, 'update.text.hbs'), '{{#if x}}never closed');
    assert.throws(() => new TemplateEngine(dir), (err: Error) => err instanceof TemplateError && err.message.includes('update.text.hbs'));
    rmSync(join(dir, 'update.text.hbs'));
    writeFileSync(join(dir, 'bogus.text.hbs'), 'x');
    assert.throws(() => new TemplateEngine(dir), /"bogus" is not a template/);
  });

  it('escapes every value for its channel, whatever it holds (fuzz)', () => {
    const e = new TemplateEngine();
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 60 }), fc.string({ maxLength: 30 }), (title, component) => {
        const data = noticeData(incident({ title, components: [component] }), [], { actionTaken: title }, OPTS, T0);
        for (const t of TEMPLATES) {
          const slack = e.render(t, 'slack', data).text;
          assert.ok(!/[<>]/.test(slack), `no raw < or > reaches Slack mrkdwn: ${JSON.stringify(slack)}`);
          assert.ok(!/&(?!amp;|lt;|gt;)/.test(slack), 'every & is an entity');
          const html = e.render(t, 'email', data).html ?? '';
          const tags = html.match(/<\/?[a-z0-9!]+/gi) ?? [];
          assert.ok(tags.every((x) => /^<\/?(!doctype|html|body|h2|table|tr|th|td|p|a|br)$/i.test(x)), `only the template's own tags: ${tags.join(' ')}`);
          const plain = e.render(t, 'sms', data);
          if (t === 'initial') assert.ok(plain.text.includes(title), 'plain text keeps the value as given');
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('continuum notify', () => {
  let node: Awaited<ReturnType<typeof startApiNode>>;
  let id: string;
  let windowId: string;
  before(async () => {
    node = await startApiNode();
    id = (await node.call('POST', '/v1/incidents', { token: node.tokens.responder, body: { title: 'EU region down', severity: 'P1', components: ['gateway'] } })).json.incident.id;
    const start = Date.now() + 96 * 3_600_000;
    windowId = (
      await node.call('POST', '/v1/maintenance', {
        token: node.tokens.responder,
        body: { title: 'Gateway upgrade', components: ['gateway'], scheduledFor: new Date(start).toISOString(), scheduledUntil: new Date(start + 3_600_000).toISOString() },
      })
    ).json.maintenance.id;
  });
  after(async () => {
    await node.close();
  });

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const saved = { ...output };
    output.out = (t) => void (stdout += t);
    output.err = (t) => void (stderr += t);
    try {
      return { code: await main(['node', 'continuum', ...args, '--url', node.base, '--token', node.tokens.viewer]), stdout, stderr };
    } catch (err) {
      return { code: 1, stdout, stderr: `${stderr}${(err as Error).message}` };
    } finally {
      Object.assign(output, saved);
    }
  }

  it('previews every template for every channel type', async () => {
    for (const t of TEMPLATES) {
      for (const ch of ['slack', 'pagerduty', 'email', 'sms', 'webhook']) {
        const r = await cli(['notify', 'preview', t, ...(t === 'maintenance' ? ['--maintenance', windowId] : ['--incident', id]), '--channel', ch]);
        assert.equal(r.code, 0, r.stderr);
        assert.match(r.stdout, new RegExp(`--- ${t} for ${ch} ---`));
      }
    }
    const initial = await cli(['notify', 'preview', 'initial', '--incident', id, '--channel', 'email', '--json']);
    const j = JSON.parse(initial.stdout) as { rendered: { text: string; html: string }; content: { subject: string } };
    assert.match(j.rendered.text, /Severity: P1 \(High\)\nAffected Systems: gateway\nStatus: Investigating/);
    assert.match(j.rendered.html, /<td>gateway<\/td>/);
    assert.equal(j.content.subject, '🚨 INCIDENT ALERT: [P1] EU region down');
    const reminder = await cli(['notify', 'preview', 'maintenance', '--maintenance', windowId, '--notice', 'reminder', '--channel', 'email', '--json']);
    const m = JSON.parse(reminder.stdout) as { rendered: { text: string }; content: { subject: string } };
    assert.equal(m.content.subject, 'Reminder: maintenance starts in 24 hours: Gateway upgrade');
    assert.match(m.rendered.text, /Affected: gateway\nStatus: scheduled/);
  });

  it('says what is wrong with a bad template or incident, and shows the queue', async () => {
    const bad = await cli(['notify', 'preview', 'nope', '--incident', id]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /unknown template "nope"; choose one of initial, update/);
    const missing = await cli(['notify', 'preview', 'initial', '--incident', 'INC-NOPE']);
    assert.notEqual(missing.code, 0);
    assert.match(missing.stderr, /no incident INC-NOPE/);
    const noWindow = await cli(['notify', 'preview', 'maintenance', '--incident', id]);
    assert.notEqual(noWindow.code, 0);
    assert.match(noWindow.stderr, /the maintenance template renders a window: give --maintenance <id>/);
    const api = await node.call('GET', '/v1/communications/preview?template=maintenance', { token: node.tokens.viewer });
    assert.equal(api.status, 400, JSON.stringify(api.json));
    assert.match(JSON.stringify(api.json), /give maintenance=<id>/);
    const status = await cli(['notify', 'status', '--json']);
    assert.equal(status.code, 0, status.stderr);
    assert.deepEqual(Object.keys(JSON.parse(status.stdout) as object), ['channels', 'spool', 'pending', 'dead']);
  });
});
