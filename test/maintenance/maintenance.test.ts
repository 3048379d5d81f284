/**
 * Scheduled maintenance: the lifecycle (scheduled, in progress, verifying, completed; cancel) as events,
 * refused transitions with clear errors, automatic start and completion at the scheduled times (once,
 * however many nodes tick), the admin API with roles and audit, and the CLI.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { main } from '../../src/cli/index.js';
import { output } from '../../src/cli/output.js';
import { parseWhen } from '../../src/cli/maintenance.js';
import { ManualClock } from '../../src/core/clock.js';
import { cryptoRandom } from '../../src/core/random.js';
import { AuditLog } from '../../src/access/audit-log.js';
import { MaintenanceError, MaintenanceService } from '../../src/maintenance/service.js';
import { maintenanceStream } from '../../src/maintenance/model.js';
import { MemoryStore } from '../../src/store/memory/index.js';
import { startApiNode } from '../support/api.js';

const T0 = Date.parse('2025-06-02T09:00:00Z');
const HOUR = 3_600_000;
const responder = { id: 'token:resp', role: 'responder' as const };
const system = { id: 'maintenance:node-a', role: 'system' as const };

async function services(n = 1) {
  const clock = new ManualClock(T0);
  const store = new MemoryStore(clock);
  await store.migrate();
  const audit = new AuditLog(store.audit, clock);
  const list = Array.from({ length: n }, () => new MaintenanceService({ events: store.controlEvents, audit, clock, random: cryptoRandom }));
  return { clock, store, audit, list, s: list[0] };
}

describe('maintenance windows', () => {
  it('moves through its statuses as events, with updates, and refuses what its status does not allow', async () => {
    const { s, store, audit } = await services();
    const w = await s.schedule({ title: 'Database upgrade', components: ['db', 'db'], scheduledFor: T0 + 72 * HOUR, scheduledUntil: T0 + 74 * HOUR }, responder);
    assert.match(w.id, /^MNT-20250605-[0-9A-F]{6}$/);
    assert.deepEqual(w.components, ['db']);
    assert.equal(w.status, 'scheduled');
    await assert.rejects(s.transition(w.id, 'completed', undefined, responder), (e: MaintenanceError) => e.status === 409 && /scheduled; it can move to in_progress, cancelled/.test(e.message));
    await s.transition(w.id, 'in_progress', 'Starting now.', responder);
    await s.update(w.id, 'Halfway there.', responder);
    await s.transition(w.id, 'verifying', undefined, responder);
    const done = await s.transition(w.id, 'completed', undefined, responder);
    assert.equal(done.status, 'completed');
    assert.deepEqual(done.updates.map((u) => [u.status, u.body]), [
      ['scheduled', 'Maintenance is scheduled.'],
      ['in_progress', 'Starting now.'],
      ['in_progress', 'Halfway there.'],
      ['verifying', 'Verification is currently underway for the maintenance items.'],
      ['completed', 'The scheduled maintenance has been completed.'],
    ]);
    await assert.rejects(s.update(w.id, 'late', responder), /completed; post updates to windows that are not over/);
    await assert.rejects(s.transition('MNT-NOPE', 'in_progress', undefined, responder), (e: MaintenanceError) => e.status === 404);
    await assert.rejects(s.schedule({ title: 'x', components: ['a'], scheduledFor: T0, scheduledUntil: T0 }, responder), /scheduledUntil must be after scheduledFor/);
    const events = await store.controlEvents.readStream(maintenanceStream(w.id));
    assert.deepEqual(events.map((e) => e.type), ['maintenance.scheduled', 'maintenance.status_changed', 'maintenance.updated', 'maintenance.status_changed', 'maintenance.status_changed']);
    const actions = (await audit.list()).map((e) => e.action);
    assert.deepEqual(actions, ['maintenance.scheduled', 'maintenance.in_progress', 'maintenance.updated', 'maintenance.verifying', 'maintenance.completed']);
  });

  it('starts and completes at the scheduled times, once, however many nodes tick', async () => {
    const { clock, list, s, store } = await services(3);
    const auto = await s.schedule({ title: 'Cache flush', components: ['cache'], scheduledFor: T0 + HOUR, scheduledUntil: T0 + 2 * HOUR }, responder);
    const manual = await s.schedule({ title: 'Manual', components: ['api'], scheduledFor: T0 + HOUR, scheduledUntil: T0 + 2 * HOUR, autoStart: false, autoComplete: false }, responder);
    const tickAll = async () => (await Promise.all(list.map((x) => x.tick(system)))).reduce((a, b) => a + b, 0);
    assert.equal(await tickAll(), 0, 'nothing is due yet');
    clock.set(T0 + HOUR);
    assert.equal(await tickAll(), 1, 'one node starts it');
    assert.equal((await s.get(auto.id))!.status, 'in_progress');
    assert.equal((await s.get(manual.id))!.status, 'scheduled', 'a manual window waits for an operator');
    clock.set(T0 + 2 * HOUR);
    assert.equal(await tickAll(), 1);
    const after = (await s.get(auto.id))!;
    assert.equal(after.status, 'completed');
    assert.equal(after.completedAt, T0 + 2 * HOUR);
    assert.equal(await tickAll(), 0);
    const types = (await store.controlEvents.readStream(maintenanceStream(auto.id))).map((e) => `${e.type}:${String(e.data.to ?? '')}`);
    assert.deepEqual(types, ['maintenance.scheduled:', 'maintenance.status_changed:in_progress', 'maintenance.status_changed:completed']);
    // A window whose whole slot passed while no node ticked goes straight to completed.
    const missed = await s.schedule({ title: 'Missed', components: ['x'], scheduledFor: T0 + 3 * HOUR, scheduledUntil: T0 + 4 * HOUR }, responder);
    clock.set(T0 + 5 * HOUR);
    await tickAll();
    assert.equal((await s.get(missed.id))!.status, 'completed');
  });
});

describe('maintenance API and CLI', () => {
  let n: Awaited<ReturnType<typeof startApiNode>>;
  before(async () => {
    n = await startApiNode({ config: { maintenance: { autoTransitions: false } } as never });
  });
  after(() => n.close());

  async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const saved = { ...output };
    output.out = (t) => void (stdout += t);
    output.err = (t) => void (stderr += t);
    try {
      return { code: await main(['node', 'continuum', ...args, '--url', n.base, '--token', n.tokens.responder]), stdout, stderr };
    } catch (err) {
      return { code: 1, stdout, stderr: (err as Error).message };
    } finally {
      Object.assign(output, saved);
    }
  }

  it('schedules, lists and runs windows over the API, by role, audited', async () => {
    const body = { title: 'Kernel patching', components: ['gateway'], scheduledFor: '2030-01-01T22:00:00Z', scheduledUntil: '2030-01-01T23:00:00Z' };
    assert.equal((await n.call('POST', '/v1/maintenance', { token: n.tokens.viewer, body })).status, 403);
    assert.equal((await n.call('POST', '/v1/maintenance', { token: n.tokens.responder, body: { ...body, components: [] } })).status, 400);
    const created = await n.call('POST', '/v1/maintenance', { token: n.tokens.responder, body });
    assert.equal(created.status, 201, JSON.stringify(created.json));
    const id = created.json.maintenance.id as string;
    assert.equal(created.json.maintenance.scheduledFor, '2030-01-01T22:00:00.000Z');
    const listed = await n.call('GET', '/v1/maintenance', { token: n.tokens.viewer });
    assert.deepEqual(listed.json.maintenance.map((m: { id: string }) => m.id), [id]);
    const started = await n.call('POST', `/v1/maintenance/${id}/start`, { token: n.tokens.responder, body: { message: 'Patching now.' } });
    assert.equal(started.json.maintenance.status, 'in_progress');
    const refused = await n.call('POST', `/v1/maintenance/${id}/start`, { token: n.tokens.responder, body: {} });
    assert.equal(refused.status, 200, 'starting a started window changes nothing');
    assert.equal((await n.call('POST', `/v1/maintenance/${id}/verify`, { token: n.tokens.responder, body: {} })).json.maintenance.status, 'verifying');
    assert.equal((await n.call('POST', `/v1/maintenance/${id}/cancel`, { token: n.tokens.responder, body: {} })).status, 409);
    assert.equal((await n.call('POST', `/v1/maintenance/${id}/complete`, { token: n.tokens.responder, body: {} })).json.maintenance.status, 'completed');
    assert.equal((await n.call('GET', '/v1/maintenance/MNT-NONE', { token: n.tokens.viewer })).status, 404);
    const audit = (await n.node.control.audit.list()).filter((e) => e.target === id).map((e) => e.action);
    assert.deepEqual(audit, ['maintenance.scheduled', 'maintenance.in_progress', 'maintenance.verifying', 'maintenance.completed']);
  });

  it('runs from the CLI, with --json and clear errors', async () => {
    const scheduled = await cli(['maintenance', 'schedule', '--title', 'Certificate rotation', '--component', 'gateway', '--start', '+72h', '--end', '+73h', '--json']);
    assert.equal(scheduled.code, 0, scheduled.stderr);
    const id = JSON.parse(scheduled.stdout).maintenance.id as string;
    const list = await cli(['maintenance', 'list']);
    assert.match(list.stdout, new RegExp(`${id}  scheduled`));
    assert.equal((await cli(['maintenance', 'start', id, '--message', 'Rotating.'])).code, 0);
    assert.equal((await cli(['maintenance', 'update', id, '--message', 'Half done.'])).code, 0);
    const shown = await cli(['maintenance', 'show', id]);
    assert.match(shown.stdout, /in_progress\s+Half done\./);
    const cancel = await cli(['maintenance', 'cancel', id]);
    assert.equal(cancel.code, 0);
    const bad = await cli(['maintenance', 'complete', id]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /cancelled; it can move to nothing/);
    assert.throws(() => parseWhen('tomorrow'), /not a time: give ISO 8601/);
    assert.equal(parseWhen('+2h', T0), new Date(T0 + 2 * HOUR).toISOString());
  });
});
