/**
 * The tasks part of the storage port's contract, run against every adapter. Each test gets a fresh
 * store, migrated here; `peer()` opens another store on the same data (the memory store: itself).
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Store, TaskRecord } from '../../src/store/port.js';

export type OpenTaskStore = () => Promise<{ store: Store; peer: () => Promise<Store> }>;

const T0 = 1_700_000_000_000;

function task(id: string, overrides: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id,
    sessionId: 's1',
    method: 'tools/call',
    status: 'working',
    statusMessage: null,
    request: { name: 'long_running', arguments: { steps: 3 } },
    outcome: null,
    ownerNode: 'node-1',
    createdAt: T0,
    updatedAt: T0,
    ttl: 60_000,
    pollInterval: 500,
    ...overrides,
  };
}

export function taskStoreContract(name: string, open: OpenTaskStore): void {
  describe(`task store contract: ${name}`, () => {
    let store: Store;
    let peer: () => Promise<Store>;
    const extra: Store[] = [];
    beforeEach(async () => {
      ({ store, peer } = await open());
      await store.migrate();
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) if (s !== store) await s.close();
      await store.close();
    });

    it('creates, reads back and lists tasks per session, newest first', async () => {
      await store.tasks.createTask(task('a'));
      await store.tasks.createTask(task('b', { createdAt: T0 + 1 }));
      await store.tasks.createTask(task('c', { sessionId: 's2' }));
      assert.deepEqual(await store.tasks.getTask('s1', 'a'), task('a'));
      assert.deepEqual((await store.tasks.listTasks('s1')).map((t) => t.id), ['b', 'a']);
      assert.deepEqual((await store.tasks.listTasks('s2')).map((t) => t.id), ['c']);
      assert.deepEqual(await store.tasks.listTasks('s3'), []);
    });

    it('scopes a task to its session', async () => {
      await store.tasks.createTask(task('a'));
      assert.equal(await store.tasks.getTask('s2', 'a'), null);
      assert.equal(await store.tasks.getTask('s1', 'nope'), null);
      assert.equal(await store.tasks.updateTask('s2', 'a', { status: 'completed', at: T0 + 5 }), null);
      assert.equal((await store.tasks.getTask('s1', 'a'))?.status, 'working');
    });

    it('rejects a duplicate id', async () => {
      await store.tasks.createTask(task('a'));
      await assert.rejects(store.tasks.createTask(task('a')));
    });

    it('records the end of a task, and a terminal status is final', async () => {
      await store.tasks.createTask(task('a'));
      const done = await store.tasks.updateTask('s1', 'a', { status: 'completed', outcome: { result: { content: [] } }, at: T0 + 10 });
      assert.equal(done?.status, 'completed');
      assert.deepEqual(done?.outcome, { result: { content: [] } });
      assert.equal(done?.updatedAt, T0 + 10);
      assert.equal(done?.statusMessage, null);
      const later = await store.tasks.updateTask('s1', 'a', { status: 'failed', statusMessage: 'late', at: T0 + 20 });
      assert.equal(later?.status, 'completed');
      assert.equal(later?.updatedAt, T0 + 10);
      assert.equal(later?.statusMessage, null);
    });

    it('keeps the message and outcome unless the update names them', async () => {
      await store.tasks.createTask(task('a'));
      await store.tasks.updateTask('s1', 'a', { status: 'input_required', statusMessage: 'waiting', at: T0 + 1 });
      const t = await store.tasks.updateTask('s1', 'a', { status: 'cancelled', at: T0 + 2 });
      assert.equal(t?.status, 'cancelled');
      assert.equal(t?.statusMessage, 'waiting');
      assert.equal(t?.outcome, null);
    });

    it('fails the open tasks of nodes not alive, only those, and says why', async () => {
      await store.tasks.createTask(task('dead-open', { ownerNode: 'node-1' }));
      await store.tasks.createTask(task('dead-done', { ownerNode: 'node-1', status: 'completed' }));
      await store.tasks.createTask(task('alive-open', { ownerNode: 'node-2' }));
      await store.tasks.createTask(task('gone-open', { ownerNode: 'node-9', sessionId: 's2' }));
      const failed = await store.tasks.failOrphans(['node-2'], 'node died', T0 + 100);
      assert.deepEqual(failed.map((t) => t.id).sort(), ['dead-open', 'gone-open']);
      for (const t of failed) {
        assert.equal(t.status, 'failed');
        assert.equal(t.statusMessage, 'node died');
        assert.equal(t.updatedAt, T0 + 100);
      }
      const other = await peer();
      extra.push(other);
      assert.equal((await other.tasks.getTask('s1', 'dead-open'))?.status, 'failed');
      assert.equal((await other.tasks.getTask('s1', 'dead-done'))?.status, 'completed');
      assert.equal((await other.tasks.getTask('s1', 'alive-open'))?.status, 'working');
      assert.deepEqual(await store.tasks.failOrphans(['node-2'], 'node died', T0 + 200), []);
      assert.equal((await store.tasks.failOrphans([], 'all gone', T0 + 300)).length, 1);
    });

    it('deletes tasks past their ttl', async () => {
      await store.tasks.createTask(task('short', { ttl: 1000 }));
      await store.tasks.createTask(task('long', { ttl: 10_000 }));
      assert.equal(await store.tasks.deleteExpiredTasks(T0 + 5000), 1);
      assert.equal(await store.tasks.getTask('s1', 'short'), null);
      assert.ok(await store.tasks.getTask('s1', 'long'));
      assert.equal(await store.tasks.deleteExpiredTasks(T0 + 5000), 0);
    });
  });
}
