/**
 * Leases and the bus across processes sharing one SQLite file: what the contract checks within one
 * process (two connections), checked again with real separate processes contending for the write lock.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { BusMessage } from '../../src/store/port.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';

let dir: string;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'continuum-sqlite-cluster-'));
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('sqlite: cluster primitives across processes', () => {
  it('never gives one epoch to two processes, and keeps fenced history in epoch order', async () => {
    const file = join(dir, 'leases.db');
    const setup = new SqliteStore(file);
    await setup.migrate();
    await setup.close();

    const holders = ['p1', 'p2', 'p3'];
    const results = await Promise.all(holders.map((h) => runChild([file, 'lease', h, '1500', '30'])));
    const epochsOf = new Map(holders.map((h, i) => [h, results[i]]));

    const store = new SqliteStore(file);
    try {
      const owner = new Map<number, string>();
      for (const [holder, epochs] of epochsOf) {
        for (const epoch of epochs) {
          const other = owner.get(epoch);
          assert.ok(other === undefined || other === holder, `epoch ${epoch} given to ${other} and ${holder}`);
          owner.set(epoch, holder);
        }
      }
      assert.ok(new Set(owner.values()).size >= 2, `the lease never changed hands: ${JSON.stringify([...epochsOf])}`);

      const history = await store.leases.history('L');
      assert.ok(history.length > 0);
      for (let i = 1; i < history.length; i++) {
        assert.ok(history[i].epoch >= history[i - 1].epoch, `history goes from epoch ${history[i - 1].epoch} back to ${history[i].epoch}`);
      }
      for (const h of history) assert.equal(h.holder, owner.get(h.epoch), `write under epoch ${h.epoch}`);
      const lease = await store.leases.get('L');
      assert.equal(lease?.epoch, Math.max(...owner.keys()));
    } finally {
      await store.close();
    }
  });

  it('delivers messages from other processes once each, in publish order per process', async () => {
    const file = join(dir, 'bus.db');
    const store = new SqliteStore(file, { busPollMs: 10 });
    try {
      await store.migrate();
      const received: BusMessage[] = [];
      const unsubscribe = await store.bus.subscribe((m) => void received.push(m));
      const count = 50;
      await Promise.all(['c1', 'c2'].map((name) => runChild([file, 'publish', name, String(count)])));
      const deadline = Date.now() + 10_000;
      while (received.length < 2 * count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(received.length, 2 * count);
      for (const name of ['c1', 'c2']) {
        assert.deepEqual(
          received.filter((m) => m.payload.from === name).map((m) => m.payload.i),
          Array.from({ length: count }, (_, i) => i),
        );
      }
      for (let i = 1; i < received.length; i++) assert.ok(received[i].seq > received[i - 1].seq);
      await unsubscribe();
    } finally {
      await store.close();
    }
  });
});

const CHILD = fileURLToPath(new URL('./fixtures/sqlite-cluster-child.ts', import.meta.url));

function runChild(args: string[]): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(JSON.parse(out) as number[]);
      else reject(new Error(`child ${args.join(' ')} exited with ${code}: ${err}`));
    });
  });
}
