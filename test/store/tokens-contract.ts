/** The TokenStore sub-port's contract, run against every adapter. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ApiTokenRecord, Store } from '../../src/store/port.js';

export type OpenControlStore = () => Promise<Store>;

const T0 = 1_700_000_000_000;

export function token(id: string, overrides: Partial<ApiTokenRecord> = {}): ApiTokenRecord {
  return { id, name: `name-${id}`, role: 'viewer', secretHash: `hash-${id}`.padEnd(64, '0'), createdAt: T0, createdBy: 'cli:test', revokedAt: null, revokedBy: null, ...overrides };
}

export function tokenStoreContract(name: string, open: OpenControlStore): void {
  describe(`${name}: token store contract`, () => {
    let store: Store;
    beforeEach(async () => {
      store = await open();
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    it('returns a created token by id and by hash, as it was given', async () => {
      const t = token('t1', { role: 'admin', name: 'ops ü' });
      await store.tokens.createToken(t);
      assert.deepEqual(await store.tokens.getToken('t1'), t);
      assert.deepEqual(await store.tokens.findTokenByHash(t.secretHash), t);
      assert.equal(await store.tokens.findTokenByHash('nope'), null);
      assert.equal(await store.tokens.getToken('nope'), null);
    });

    it('lists every token oldest first', async () => {
      await store.tokens.createToken(token('b', { createdAt: T0 + 2 }));
      await store.tokens.createToken(token('a', { createdAt: T0 + 1 }));
      assert.deepEqual((await store.tokens.listTokens()).map((t) => t.id), ['a', 'b']);
    });

    it('refuses a duplicate id, hash, or active name', async () => {
      await store.tokens.createToken(token('t1'));
      await assert.rejects(store.tokens.createToken(token('t1', { name: 'other', secretHash: 'x'.repeat(64) })));
      await assert.rejects(store.tokens.createToken(token('t2', { name: 'other' , secretHash: token('t1').secretHash })));
      await assert.rejects(store.tokens.createToken(token('t3', { name: 'name-t1' })));
      assert.equal((await store.tokens.listTokens()).length, 1);
    });

    it('revokes once, keeps the first revocation, and frees the name', async () => {
      await store.tokens.createToken(token('t1'));
      const revoked = await store.tokens.revokeToken('t1', T0 + 5, 'cli:alice');
      assert.equal(revoked?.revokedAt, T0 + 5);
      assert.equal(revoked?.revokedBy, 'cli:alice');
      const again = await store.tokens.revokeToken('t1', T0 + 9, 'cli:bob');
      assert.equal(again?.revokedAt, T0 + 5);
      assert.equal(again?.revokedBy, 'cli:alice');
      assert.equal(await store.tokens.revokeToken('ghost', T0, 'x'), null);
      await store.tokens.createToken(token('t2', { name: 'name-t1' }));
      assert.equal((await store.tokens.findTokenByHash(token('t1').secretHash))?.revokedAt, T0 + 5);
    });
  });
}
