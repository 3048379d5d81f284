/**
 * A page of the sessions table is damaged on the primary's disk. Data checksums (on in the clusters we
 * create) make PostgreSQL refuse the page; the integrity check reports it; recovery fails over to the
 * standby (whose copy came through WAL and is intact) and verifies that every acknowledged session is
 * there, within the plan's 60 s.
 */
import assert from 'node:assert/strict';
import { openSync, readFileSync, writeSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import postgres from 'postgres';
import { checkIntegrity, integritySignal, recoverFromCorruption } from '../../src/database/corruption.js';
import { startReplicatedCluster, type ReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { PostgresStore } from '../../src/store/postgres/index.js';
import { sessionRecord } from '../store/fixtures/records.js';

describe('page corruption in a table file', () => {
  let db: ReplicatedCluster;
  before(async () => {
    db = await startReplicatedCluster({ sync: true });
  });
  after(async () => {
    await db?.stop();
  });

  it('is detected by checksums and the integrity check, and recovered from by failing over, with every acknowledged session present', async (t) => {
    const store = new PostgresStore(db.multiHostUrl);
    const acknowledged: string[] = [];
    try {
      await store.migrate();
      for (let i = 0; i < 200; i++) {
        const id = `s-${i}-${'x'.repeat(40)}`;
        await store.sessions.createSession(sessionRecord(id));
        acknowledged.push(id); // acknowledged: the commit returned
      }
    } finally {
      await store.close();
    }

    const primary = postgres(db.primaryUrl, { max: 1, onnotice: () => {} });
    let file: string;
    try {
      const clean = await checkIntegrity(primary);
      assert.equal(clean.ok, true, JSON.stringify(clean));
      assert.equal(clean.checksums, true, 'data checksums are on');
      await primary`CHECKPOINT`;
      const [{ path }] = await primary<{ path: string }[]>`SELECT pg_relation_filepath('continuum_sessions') AS path`;
      file = join(db.hosts[0].dataDir, path);
    } finally {
      await primary.end();
    }
    // Damage page 0 on disk while the server is down (so no clean copy sits in its buffers), then start it.
    await db.stopHost('primary');
    const before = readFileSync(file);
    assert.ok(before.length >= 8192, 'the table has at least one page on disk');
    const fd = openSync(file, 'r+');
    writeSync(fd, Buffer.alloc(256, 0x5a), 0, 256, 2048);
    closeSync(fd);
    await db.startHost('primary');

    const damaged = postgres(db.primaryUrl, { max: 1, onnotice: () => {} });
    try {
      const report = await checkIntegrity(damaged);
      const sessions = report.tables.find((c) => c.table === 'continuum_sessions')!;
      assert.equal(report.ok, false);
      assert.equal(sessions.ok, false);
      assert.equal(sessions.code, 'XX001', sessions.error);
      assert.match(sessions.error!, /invalid page in block 0/);
      assert.ok(report.checksumFailures >= 1, 'pg_stat_database counts the checksum failure');
      const signal = integritySignal(report);
      assert.equal(signal.firing, true);
      t.diagnostic(signal.summary);
    } finally {
      await damaged.end();
    }

    const recovery = await recoverFromCorruption({ url: db.multiHostUrl, acknowledgedSessions: acknowledged });
    t.diagnostic(recovery.failover.steps.map((s) => `${s.name} ${s.ms} ms: ${s.detail}`).join('\n'));
    t.diagnostic(`recovered in ${recovery.totalMs} ms`);
    assert.equal(recovery.failover.outcome, 'promoted', recovery.failover.reason);
    assert.equal(recovery.failover.to, `127.0.0.1:${db.hosts[1].port}`);
    assert.deepEqual(recovery.failover.steps.map((s) => s.name), ['check-replication', 'fence-old-primary', 'verify-standby', 'promote', 'reconfigure', 'repoint-nodes', 'verify-writes']);
    assert.match(recovery.failover.steps[1].detail, /set read-only/);
    assert.match(recovery.failover.steps[2].detail, /received all of the fenced primary's WAL/);
    assert.deepEqual(recovery.missing, [], 'every acknowledged session is on the new primary');
    assert.equal(recovery.integrity?.tables.every((c) => c.ok), true, JSON.stringify(recovery.integrity));
    assert.equal(recovery.integrity?.tables.find((c) => c.table === 'continuum_sessions')?.rows, acknowledged.length);
    assert.equal(recovery.ok, true);
    assert.ok(recovery.totalMs < 60_000, `recovery took ${recovery.totalMs} ms (plan: < 60 s)`);

    // A node given every host now writes to the new primary, never to the fenced damaged one.
    const after = new PostgresStore(db.multiHostUrl);
    try {
      await after.sessions.createSession(sessionRecord('after-recovery'));
      assert.equal(after.primary?.host, `127.0.0.1:${db.hosts[1].port}`);
      assert.equal((await after.sessions.getSession(acknowledged[0]))?.id, acknowledged[0]);
    } finally {
      await after.close();
    }
  });
});
