import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { taskStoreContract } from './task-contract.js';

let dir: string;
let files = 0;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'continuum-tasks-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

taskStoreContract('sqlite', async () => {
  const file = join(dir, `tasks-${++files}.db`);
  return { store: new SqliteStore(file), peer: async () => new SqliteStore(file) };
});
