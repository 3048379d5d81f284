/**
 * Scheduled chaos drills: the leader runs the configured experiment when the chaos test type is due,
 * once per due slot across the cluster, and records it like an operator's drill. The first part drives
 * the scheduler's decisions on a real SQLite store with a manual clock (the drill itself is a stand-in
 * there); the last test is end to end: a real node process runs a real `continuum drill` child against
 * itself, and the record, the report and the audit entry appear in its store.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ManualClock } from '../../src/core/clock.js';
import { drillsConfigSchema } from '../../src/drills/config.js';
import { listRecords } from '../../src/drills/history/records.js';
import type { DrillResult } from '../../src/drills/runner/result.js';
import { DRILL_SCHEDULED, DRILL_SCHEDULED_ENDED, DrillScheduler, SCHEDULE_STREAM, type DrillLauncher, type ScheduledRun } from '../../src/drills/scheduler/index.js';
import { drillServerPath } from '../../src/drills/topology/paths.js';
import { createLogger } from '../../src/log/index.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/port.js';
import { eventually } from '../support/eventually.js';
import { startNode } from '../support/node-process.js';
import { freePort } from '../support/ports.js';

const DAY = 86_400_000;
const dir = mkdtempSync(join(tmpdir(), 'continuum-drill-scheduler-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const log = createLogger('silent');

const config = drillsConfigSchema.parse({ auto: { experiment: 'staging-chaos.yaml', timeout: '1h' }, reports: join(dir, 'reports') });

/** A finished drill's result as the CLI prints it (only what the record keeps matters here). */
function resultAt(at: number, id: string, passed = true): DrillResult {
  return {
    id, scenario: 'staging-chaos', title: 'Staging chaos', kind: 'chaos', status: 'completed', passed, started_at: new Date(at).toISOString(),
    failover_ms: 120, recovery_ms: 900, sessions_lost: 0, error_rate: 0, criteria: [],
  } as unknown as DrillResult;
}

/** A launcher that records its calls and finishes when the test says so. */
function launcher(clock: ManualClock) {
  const calls: string[] = [];
  let release: (r: ScheduledRun) => void = () => {};
  const launch: DrillLauncher = ({ experiment }) => {
    calls.push(experiment);
    return new Promise((r) => (release = r));
  };
  return { calls, launch, finish: (r: ScheduledRun) => release(r), clock };
}

async function sqliteStore(name: string): Promise<Store> {
  const store = await openStore(`sqlite:${join(dir, name)}`);
  await store.migrate();
  return store;
}

describe('drill scheduler', () => {
  it('runs only on the leader, when the chaos drill is due, and records it as the scheduler', async () => {
    const store = await sqliteStore('a.db');
    const clock = new ManualClock(100 * DAY);
    const l = launcher(clock);
    let leader = false;
    const s = new DrillScheduler({ config, store, clock, nodeId: 'node-a', isLeader: () => leader, log, launch: l.launch });
    assert.equal(await s.tick(), 'not-leader');
    leader = true;
    const ran = s.tick();
    await eventually(async () => assert.equal(l.calls.length, 1));
    assert.deepEqual(l.calls, ['staging-chaos.yaml']);
    l.finish({ result: resultAt(clock.now(), 'd1'), exitCode: 0 });
    assert.equal(await ran, 'ran');

    const records = await listRecords(store);
    assert.equal(records.length, 1);
    assert.equal(records[0].type, 'chaos');
    assert.equal(records[0].report, join(dir, 'reports', 'd1'));
    const events = await store.controlEvents.readStream(SCHEDULE_STREAM);
    assert.deepEqual(events.map((e) => [e.type, e.actor]), [[DRILL_SCHEDULED, 'scheduler:node-a'], [DRILL_SCHEDULED_ENDED, 'scheduler:node-a']]);
    assert.equal(events[1].data.passed, true);
    const audit = await store.audit.readAudit(0);
    assert.deepEqual(audit.map((a) => [a.actor, a.action, a.target]), [['scheduler:node-a', 'drill.run', 'staging-chaos']]);

    // Not due again until schedule.chaos (7 days) after that run.
    clock.advance(6 * DAY);
    assert.equal(await s.tick(), 'not-due');
    clock.advance(DAY + 1);
    const again = s.tick();
    await eventually(async () => assert.equal(l.calls.length, 2));
    l.finish({ result: resultAt(clock.now(), 'd2', false), exitCode: 1 });
    assert.equal(await again, 'ran');
    const ended = (await store.controlEvents.readStream(SCHEDULE_STREAM)).at(-1)!;
    assert.equal(ended.data.passed, false);
    await store.close();
  });

  it('runs a due slot once across the cluster, and again only after a claim timed out with no result', async () => {
    const store = await sqliteStore('b.db');
    const clock = new ManualClock(200 * DAY);
    const la = launcher(clock);
    const lb = launcher(clock);
    // Both believe they lead (the lease moved while the first was starting its drill).
    const a = new DrillScheduler({ config, store, clock, nodeId: 'node-a', isLeader: () => true, log, launch: la.launch });
    const b = new DrillScheduler({ config, store, clock, nodeId: 'node-b', isLeader: () => true, log, launch: lb.launch });
    const ranA = a.tick();
    await eventually(async () => assert.equal(la.calls.length, 1));
    assert.equal(await b.tick(), 'claimed-elsewhere');
    assert.equal(lb.calls.length, 0);
    assert.equal(await a.tick(), 'busy');

    // node-a's drill ends without a result (it died or could not run): the failure is recorded, and the
    // slot is not claimed again within the same timeout window...
    la.finish({ result: null, exitCode: 2, error: 'the drill could not run: no such experiment' });
    assert.equal(await ranA, 'ran');
    const ended = (await store.controlEvents.readStream(SCHEDULE_STREAM)).at(-1)!;
    assert.equal(ended.type, DRILL_SCHEDULED_ENDED);
    assert.equal(ended.data.error, 'the drill could not run: no such experiment');
    assert.equal(await b.tick(), 'claimed-elsewhere');
    // ...but once the window (drills.auto.timeout) has passed, another node tries again.
    clock.advance(config.auto.timeout);
    const ranB = b.tick();
    await eventually(async () => assert.equal(lb.calls.length, 1));
    lb.finish({ result: resultAt(clock.now(), 'd3'), exitCode: 0 });
    assert.equal(await ranB, 'ran');
    assert.deepEqual((await listRecords(store)).map((r) => r.id), ['d3']);
    await store.close();
  });

  it('runs an experiment of another kind once per chaos period too (its record leaves the chaos slot open)', async () => {
    const store = await sqliteStore('d.db');
    const clock = new ManualClock(300 * DAY);
    const l = launcher(clock);
    const s = new DrillScheduler({ config, store, clock, nodeId: 'node-a', isLeader: () => true, log, launch: l.launch });
    const ran = s.tick();
    await eventually(async () => assert.equal(l.calls.length, 1));
    l.finish({ result: { ...resultAt(clock.now(), 'k1'), kind: 'drill' } as DrillResult, exitCode: 0 });
    assert.equal(await ran, 'ran');
    assert.equal((await listRecords(store))[0].type, 'drill');
    clock.advance(config.auto.timeout * 2);
    assert.equal(await s.tick(), 'not-due');
    clock.advance(config.schedule.chaos);
    const again = s.tick();
    await eventually(async () => assert.equal(l.calls.length, 2));
    l.finish({ result: null, exitCode: 2, error: 'x' });
    assert.equal(await again, 'ran');
    await store.close();
  });

  it('is off unless an experiment is configured', async () => {
    const store = await sqliteStore('c.db');
    const s = new DrillScheduler({ config: drillsConfigSchema.parse({}), store, clock: new ManualClock(0), nodeId: 'n', isLeader: () => true, log });
    assert.equal(s.enabled, false);
    await store.close();
  });

  it('a node with drills.auto runs a real drill against its deployment target and records it', async () => {
    const port = await freePort();
    const storeUrl = `sqlite:${join(dir, 'node.db')}`;
    const reports = join(dir, 'node-reports');
    const experiment = join(dir, 'self-check.yaml');
    writeFileSync(
      experiment,
      [
        'title: Scheduled self check',
        'kind: chaos',
        `target: { deployment: { url: "http://127.0.0.1:${port}/mcp" } }`,
        'load: { sessions: 4, subscribed: 0.5, workers: 2, newSessionsPerSecond: 1, warmup: 1s, settle: 1s }',
        'criteria:',
        '  - { name: Sessions lost, metric: sessions_lost, goal: "== 0" }',
        'method:',
        '  - type: action',
        '    name: a harmless fault (a process that exits 0)',
        '    fault: true',
        `    provider: { type: process, path: ${JSON.stringify(process.execPath)}, arguments: ["-e", "0"] }`,
        '    pauses: { after: 1s }',
      ].join('\n'),
    );
    const node = await startNode(['--port', String(port), '--node-id', 'sched-1', '--store', storeUrl, '--server', drillServerPath()], {
      CONTINUUM_DRILLS_AUTO_EXPERIMENT: experiment,
      CONTINUUM_DRILLS_AUTO_CHECK_EVERY: '300ms',
      CONTINUUM_DRILLS_REPORTS: reports,
    });
    after(() => node.kill('SIGKILL'));
    const store = await openStore(storeUrl);
    after(() => store.close());
    const ended = await eventually(
      async () => {
        const e = (await store.controlEvents.readStream(SCHEDULE_STREAM)).find((x) => x.type === DRILL_SCHEDULED_ENDED);
        assert.ok(e, 'the scheduled drill has ended');
        return e;
      },
      120_000,
      250,
    );
    assert.equal(ended.actor, 'scheduler:sched-1');
    assert.equal(ended.data.passed, true, JSON.stringify(ended.data));
    const [rec] = await listRecords(store);
    assert.equal(rec.type, 'chaos');
    assert.equal(rec.title, 'Scheduled self check');
    assert.equal(rec.sessions_lost, 0);
    assert.ok(existsSync(join(reports, rec.id, 'report.html')), 'the report is written');
    const audit = await store.audit.readAudit(0);
    assert.ok(audit.some((a) => a.actor === 'scheduler:sched-1' && a.action === 'drill.run'));
    // Exactly one run: the next is due in a week.
    assert.equal((await store.controlEvents.readStream(SCHEDULE_STREAM)).filter((e) => e.type === DRILL_SCHEDULED).length, 1);
  });
});
