import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { auditStoreContract } from './audit-contract.js';
import { controlEventStoreContract } from './control-events-contract.js';
import { tokenStoreContract } from './tokens-contract.js';

let dir: string;
let files = 0;
const freshFile = (): string => join(dir, `control-${++files}.db`);

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'continuum-control-sqlite-'));
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Runs one statement on the file through a connection of its own, as another tool would. */
function onFile(file: string, sql: string, ...params: unknown[]): void {
  const db = new Database(file);
  try {
    db.prepare(sql).run(...params);
  } finally {
    db.close();
  }
}

tokenStoreContract('sqlite', async () => new SqliteStore(freshFile()));
controlEventStoreContract('sqlite', async () => new SqliteStore(freshFile()));
auditStoreContract('sqlite', async () => {
  const file = freshFile();
  return {
    store: new SqliteStore(file),
    tamper: {
      editActor: async (position, actor) => onFile(file, 'UPDATE continuum_audit_log SET actor = ? WHERE position = ?', actor, position),
      remove: async (position) => onFile(file, 'DELETE FROM continuum_audit_log WHERE position = ?', position),
    },
  };
});
