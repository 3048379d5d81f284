import { after } from 'node:test';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import { taskStoreContract } from './task-contract.js';

const databases: TestDatabase[] = [];
after(async () => {
  await Promise.all(databases.map((db) => db.drop()));
});

taskStoreContract('postgres', async () => {
  const db = await createTestDatabase();
  databases.push(db);
  return { store: new PostgresStore(db.url), peer: async () => new PostgresStore(db.url) };
});
