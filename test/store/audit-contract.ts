/** The AuditStore sub-port's contract, run against every adapter, tamper detection included. */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { verifyAuditEntries } from '../../src/access/audit-verify.js';
import { GENESIS_HASH } from '../../src/store/audit-chain.js';
import type { NewAuditEntry, Store } from '../../src/store/port.js';

/** Changes rows behind the store's back, as someone with database access would. */
export interface AuditTamper {
  editActor(position: number, actor: string): Promise<void>;
  remove(position: number): Promise<void>;
}

export type OpenAuditStore = () => Promise<{ store: Store; tamper: AuditTamper }>;

const T0 = 1_700_000_000_000;

const entry = (i: number, overrides: Partial<NewAuditEntry> = {}): NewAuditEntry => ({
  at: T0 + i,
  actor: `token:ops-${i}`,
  role: 'responder',
  action: 'incident.acknowledged',
  target: `INC-${i}`,
  details: { note: `n${i}`, nested: { z: 1, a: [1, 'ü'] } },
  ...overrides,
});

export function auditStoreContract(name: string, open: OpenAuditStore): void {
  describe(`${name}: audit store contract`, () => {
    let store: Store;
    let tamper: AuditTamper;
    beforeEach(async () => {
      ({ store, tamper } = await open());
      await store.migrate();
    });
    afterEach(async () => {
      await store.close();
    });

    it('chains entries: dense positions, each linked to the hash of the one before', async () => {
      const a = await store.audit.appendAudit(entry(1));
      const b = await store.audit.appendAudit(entry(2));
      assert.equal(a.position, 1);
      assert.equal(a.prevHash, GENESIS_HASH);
      assert.equal(b.position, 2);
      assert.equal(b.prevHash, a.hash);
      assert.match(a.hash, /^[0-9a-f]{64}$/);
      assert.deepEqual(await store.audit.readAudit(0), [a, b]);
      assert.deepEqual(await store.audit.readAudit(1), [b]);
      assert.deepEqual(await store.audit.readAudit(0, 1), [a]);
    });

    it('keeps one chain when many appends run at once', async () => {
      await Promise.all(Array.from({ length: 20 }, (_, i) => store.audit.appendAudit(entry(i))));
      const all = await store.audit.readAudit(0);
      assert.deepEqual(all.map((e) => e.position), Array.from({ length: 20 }, (_, i) => i + 1));
      assert.deepEqual(verifyAuditEntries(all), { ok: true, checked: 20, head: all[19].hash });
    });

    it('verification finds an edited entry', async () => {
      for (let i = 1; i <= 4; i++) await store.audit.appendAudit(entry(i));
      await tamper.editActor(3, 'token:someone-else');
      const verdict = verifyAuditEntries(await store.audit.readAudit(0));
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.position, 3);
      assert.match(!verdict.ok ? verdict.problem : '', /edited/);
    });

    it('verification finds a deleted entry', async () => {
      for (let i = 1; i <= 4; i++) await store.audit.appendAudit(entry(i));
      await tamper.remove(2);
      const verdict = verifyAuditEntries(await store.audit.readAudit(0));
      assert.equal(verdict.ok, false);
      assert.equal(!verdict.ok && verdict.position, 3);
      assert.match(!verdict.ok ? verdict.problem : '', /entry 2 is missing/);
    });
  });
}
