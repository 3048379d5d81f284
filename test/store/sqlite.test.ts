import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { clusterContract } from './cluster-contract.js';
import { storeContract } from './contract.js';
import { newEvent, sessionRecord } from './fixtures/records.js';

let dir: string;
let files = 0;
const freshFile = (): string => join(dir, `store-${++files}.db`);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'continuum-sqlite-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

storeContract('sqlite', async ({ clock }) => new SqliteStore(freshFile(), { clock }));
clusterContract('sqlite', async ({ clock }) => { const file = freshFile(); const open = () => new SqliteStore(file, { clock, busPollMs: 10 }); return { store: open(), peer: async () => open() }; });

describe('sqlite: one file shared by several stores', () => {
  it('creates missing parent directories', async () => {
    const store = new SqliteStore(join(dir, 'a', 'b', 'c.db'));
    try {
      await store.migrate();
      assert.equal(await store.sessions.countSessions(), 0);
    } finally {
      await store.close();
    }
  });

  it("lets two stores on one file migrate and see each other's writes", async () => {
    const file = freshFile();
    const a = new SqliteStore(file);
    const b = new SqliteStore(file);
    try {
      await Promise.all([a.migrate(), b.migrate()]);

      await a.sessions.createSession(sessionRecord('s1'));
      assert.equal((await b.sessions.getSession('s1'))?.id, 's1');

      const fromB = await b.events.appendEvents([newEvent('s1', 'standalone', 1)]);
      const fromA = await a.events.appendEvents([newEvent('s1', 'standalone', 2)]);
      assert.ok(fromA[0].seq > fromB[0].seq);
      assert.deepEqual(await a.events.readEventsAfter('s1', 'standalone', 0), [...fromB, ...fromA]);

      const updated = await b.sessions.updateSession('s1', { logLevel: 'debug' });
      assert.deepEqual(await a.sessions.getSession('s1'), updated);

      assert.equal(await a.sessions.deleteSession('s1'), true);
      assert.equal(await b.sessions.getSession('s1'), null);
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('keeps committed data across close and reopen', async () => {
    const file = freshFile();
    const first = new SqliteStore(file);
    await first.migrate();
    await first.sessions.createSession(sessionRecord('s1', { subscriptions: ['x'] }));
    const stored = await first.events.appendEvents([newEvent('s1', 'req:1', 1), newEvent('s1', 'req:1', 2)]);
    await first.close();

    const reopened = new SqliteStore(file);
    try {
      await reopened.migrate();
      assert.deepEqual((await reopened.sessions.getSession('s1'))?.subscriptions, ['x']);
      assert.deepEqual(await reopened.events.readEventsAfter('s1', 'req:1', 0), stored);
      const [next] = await reopened.events.appendEvents([newEvent('s1', 'req:1', 3)]);
      assert.ok(next.seq > stored[1].seq);
    } finally {
      await reopened.close();
    }
  });

  it('gives unique, per-writer increasing seqs to several processes appending at once', async () => {
    const file = freshFile();
    const batches = 40;
    const batchSize = 5;
    const children = ['child-1', 'child-2'].map((id) => runAppendChild(file, id, batches, batchSize));

    // The parent is a third writer, migrating and appending while the children do.
    const parent = new SqliteStore(file);
    const parentSeqs: number[] = [];
    try {
      await parent.migrate();
      await parent.sessions.createSession(sessionRecord('parent'));
      for (let b = 0; b < batches; b++) {
        const batch = Array.from({ length: batchSize }, (_, i) => newEvent('parent', 'standalone', i));
        for (const e of await parent.events.appendEvents(batch)) parentSeqs.push(e.seq);
      }
      const childSeqs = await Promise.all(children);

      const all = [parentSeqs, ...childSeqs];
      for (const seqs of all) {
        assert.equal(seqs.length, batches * batchSize);
        for (let i = 1; i < seqs.length; i++) assert.ok(seqs[i] > seqs[i - 1], 'a writer saw its seqs go back');
      }
      const flat = all.flat();
      assert.equal(new Set(flat).size, flat.length, 'two events share a seq');
      for (const id of ['parent', 'child-1', 'child-2']) {
        const read = await parent.events.readEventsAfter(id, 'standalone', 0);
        assert.equal(read.length, batches * batchSize, `events of ${id}`);
      }
    } finally {
      await parent.close();
    }
  });
});

const CHILD = fileURLToPath(new URL('./fixtures/sqlite-append-child.ts', import.meta.url));

function runAppendChild(file: string, sessionId: string, batches: number, batchSize: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', CHILD, file, sessionId, String(batches), String(batchSize)],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as number[]);
      else reject(new Error(`append child ${sessionId} exited with ${code}: ${err}`));
    });
  });
}
