import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestDatabase } from './postgres.js';

/** A fresh store URL of each kind, removed after the test. */
export const STORES: { name: string; open(): Promise<string> }[] = [
  {
    name: 'SQLite',
    async open() {
      const dir = mkdtempSync(join(tmpdir(), 'continuum-store-'));
      after(() => rmSync(dir, { recursive: true, force: true }));
      return `sqlite:${join(dir, 'c.db')}`;
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      const db = await createTestDatabase();
      after(() => db.drop());
      return db.url;
    },
  },
];

/** Runs `scenario` once per store kind, each on a fresh store: the same test, both adapters. */
export function onBothStores(title: string, scenario: (storeUrl: string) => Promise<void>): void {
  describe(title, () => {
    for (const store of STORES) it(store.name, async () => scenario(await store.open()));
  });
}
