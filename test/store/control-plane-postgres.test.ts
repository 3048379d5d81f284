import { after } from 'node:test';
import postgres from 'postgres';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { auditStoreContract } from './audit-contract.js';
import { controlEventStoreContract } from './control-events-contract.js';
import { tokenStoreContract } from './tokens-contract.js';

const databases: TestDatabase[] = [];
async function freshDatabase(): Promise<string> {
  const db = await createTestDatabase();
  databases.push(db);
  return db.url;
}
after(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

/** Runs one statement through a connection of its own, as someone with database access would. */
async function onDatabase(url: string, run: (sql: postgres.Sql) => Promise<unknown>): Promise<void> {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  try {
    await run(sql);
  } finally {
    await sql.end({ timeout: 5 });
  }
}

tokenStoreContract('postgres', async () => new PostgresStore(await freshDatabase()));
controlEventStoreContract('postgres', async () => new PostgresStore(await freshDatabase()));
auditStoreContract('postgres', async () => {
  const url = await freshDatabase();
  return {
    store: new PostgresStore(url),
    tamper: {
      editActor: (position, actor) => onDatabase(url, (sql) => sql`UPDATE continuum_audit_log SET actor = ${actor} WHERE position = ${position}`),
      remove: (position) => onDatabase(url, (sql) => sql`DELETE FROM continuum_audit_log WHERE position = ${position}`),
    },
  };
});
