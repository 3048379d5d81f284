/**
 * How component statuses, the page indicator and the uptime bars are derived; and a fuzz of the page's
 * HTTP surface (paths, methods, form bodies): it answers with a 2xx-4xx or passes, never fails.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { AuditLog } from '../../src/access/audit-log.js';
import { ManualClock } from '../../src/core/clock.js';
import { createLogger } from '../../src/log/index.js';
import type { Incident, Severity } from '../../src/incidents/model.js';
import type { Maintenance } from '../../src/maintenance/model.js';
import { statusPageConfigSchema } from '../../src/status-page/config.js';
import { StatusPageService } from '../../src/status-page/index.js';
import { componentStatus, dailyUptime, pageStatus, startOfDay, type Transition } from '../../src/status-page/model.js';
import { MemoryStore } from '../../src/store/memory/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const incident = (severity: Severity, components: string[], over: Partial<Incident> = {}) => ({ severity, components, status: 'investigating', mode: 'real', ...over }) as Incident;
const window = (components: string[], status: Maintenance['status']) => ({ components, status }) as Maintenance;

describe('component status and page status', () => {
  it('follows the worst open incident, maintenance, and an override above all', () => {
    assert.equal(componentStatus('a', [], [], undefined), 'operational');
    assert.equal(componentStatus('a', [incident('P3', ['a'])], [], undefined), 'degraded_performance');
    assert.equal(componentStatus('a', [incident('P2', ['a']), incident('P1', ['a'])], [], undefined), 'partial_outage');
    assert.equal(componentStatus('a', [incident('P0', ['a']), incident('P0', ['b'])], [], undefined), 'major_outage');
    assert.equal(componentStatus('a', [incident('P0', ['a'], { status: 'monitoring' })], [], undefined), 'degraded_performance', 'mitigated: at most degraded');
    assert.equal(componentStatus('a', [incident('P0', ['a'], { status: 'resolved' })], [], undefined), 'operational');
    assert.equal(componentStatus('a', [incident('P0', ['a'], { mode: 'drill' })], [], undefined), 'operational', 'drills are not public');
    assert.equal(componentStatus('a', [], [window(['a'], 'in_progress')], undefined), 'under_maintenance');
    assert.equal(componentStatus('a', [], [window(['a'], 'scheduled')], undefined), 'operational');
    assert.equal(componentStatus('a', [incident('P2', ['a'])], [window(['a'], 'verifying')], undefined), 'degraded_performance', 'an incident during maintenance shows');
    assert.equal(componentStatus('a', [incident('P0', ['a'])], [], { component: 'a', status: 'operational', reason: 'false alarm', at: 0, actor: 'x' }), 'operational');
  });

  it('gives the Statuspage indicator and description', () => {
    assert.deepEqual(pageStatus(['operational'], []), { indicator: 'none', description: 'All Systems Operational' });
    assert.deepEqual(pageStatus(['operational', 'under_maintenance'], []), { indicator: 'none', description: 'Service Under Maintenance' });
    assert.deepEqual(pageStatus(['degraded_performance'], []), { indicator: 'minor', description: 'Minor Service Outage' });
    assert.deepEqual(pageStatus(['partial_outage'], ['minor']), { indicator: 'major', description: 'Partial System Outage' });
    assert.deepEqual(pageStatus(['operational'], ['critical']), { indicator: 'critical', description: 'Major System Outage' });
  });
});

describe('uptime bars', () => {
  const now = Date.parse('2025-06-10T12:00:00Z');
  it('weighs major outages fully and partial outages at 30 %, per day, with no data before history starts', () => {
    const t: Transition[] = [
      { at: Date.parse('2025-06-08T06:00:00Z'), status: 'major_outage' },
      { at: Date.parse('2025-06-08T12:00:00Z'), status: 'operational' },
      { at: Date.parse('2025-06-09T00:00:00Z'), status: 'partial_outage' },
      { at: Date.parse('2025-06-09T10:00:00Z'), status: 'under_maintenance' },
      { at: Date.parse('2025-06-09T12:00:00Z'), status: 'operational' },
    ];
    const days = dailyUptime(t, Date.parse('2025-06-05T00:00:00Z'), now, 10, 'UTC');
    assert.equal(days.length, 10);
    assert.deepEqual(days.map((d) => d.date).slice(-3), ['2025-06-08', '2025-06-09', '2025-06-10']);
    assert.equal(days[0].uptime, null, 'before history starts');
    assert.equal(days[5].uptime, 1);
    assert.equal(days.at(-3)!.uptime, 0.75);
    assert.equal(days.at(-3)!.worst, 'major_outage');
    assert.equal(days.at(-3)!.majorMinutes, 360);
    assert.ok(Math.abs(days.at(-2)!.uptime! - (1 - (10 / 24) * 0.3)) < 1e-9);
    assert.equal(days.at(-2)!.worst, 'partial_outage');
    assert.equal(days.at(-1)!.uptime, 1, 'today so far');
  });

  it('cuts days at midnight in the page time zone, DST included', () => {
    assert.equal(startOfDay(Date.parse('2025-06-10T12:00:00Z'), 'Europe/Berlin'), Date.parse('2025-06-09T22:00:00Z'));
    assert.equal(startOfDay(Date.parse('2025-01-10T00:30:00Z'), 'Europe/Berlin'), Date.parse('2025-01-09T23:00:00Z'));
    assert.equal(startOfDay(Date.parse('2025-06-10T03:00:00Z'), 'America/New_York'), Date.parse('2025-06-09T04:00:00Z'));
    const days = dailyUptime([], 0, Date.parse('2025-03-31T12:00:00Z'), 3, 'Europe/Berlin');
    assert.deepEqual(days.map((d) => d.date), ['2025-03-29', '2025-03-30', '2025-03-31']);
    assert.equal(days[2].start - days[1].start, 23 * HOUR, 'the day clocks go forward is 23 hours');
    // A major outage at 23:30 Berlin time on the 29th belongs to the 29th, not the 30th.
    const t = [{ at: Date.parse('2025-03-29T22:30:00Z'), status: 'major_outage' as const }, { at: Date.parse('2025-03-29T23:00:00Z'), status: 'operational' as const }];
    const [d29, d30] = dailyUptime(t, 0, Date.parse('2025-03-31T12:00:00Z'), 3, 'Europe/Berlin');
    assert.equal(d29.majorMinutes, 30);
    assert.equal(d30.majorMinutes, 0);
    void DAY;
  });
});

describe('HTTP surface fuzz', () => {
  let server: Server;
  let base: string;
  let page: StatusPageService;
  before(async () => {
    const clock = new ManualClock(Date.parse('2025-06-10T12:00:00Z'));
    const store = new MemoryStore(clock);
    await store.migrate();
    page = new StatusPageService({
      config: statusPageConfigSchema.parse({ components: [{ id: 'a', name: 'A' }] }),
      events: store.controlEvents,
      audit: new AuditLog(store.audit, clock),
      clock,
      log: createLogger('silent'),
      subscribe: async () => ({ id: 's', status: 'pending' }),
    });
    await page.refresh();
    server = createServer((req, res) => {
      page.handler(req, res).then(
        (handled) => {
          if (!handled) {
            res.writeHead(404);
            res.end();
          }
        },
        () => {
          res.writeHead(500);
          res.end();
        },
      );
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    page.stop();
    await new Promise((r) => server.close(r));
  });

  it('never fails on odd paths, methods or forms', async () => {
    const segment = fc.oneof(fc.constantFrom('', 'api', 'v2', 'summary.json', 'incidents', 'badge', 'a.svg', 'history', 'subscribe', '%', '%2F', '..', 'maintenance', 'x.json'), fc.string({ maxLength: 12 }));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { maxLength: 5 }), fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'DELETE'), fc.string({ maxLength: 200 }), async (parts, method, body) => {
        const path = `/${parts.map((p) => p.replace(/[?#\s]/g, '')).join('/')}`;
        let res: Response;
        try {
          res = await fetch(base + path, { method, ...(method === 'POST' || method === 'PUT' ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}) });
        } catch {
          return; // a path fetch itself refuses to send
        }
        await res.arrayBuffer();
        assert.ok(res.status < 500 || res.status === 503, `${method} ${path} -> ${res.status}`);
      }),
      { numRuns: 300 },
    );
  });
});
