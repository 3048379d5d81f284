/**
 * The `continuum db` commands, run as the built CLI: status and failover on a real primary + standby,
 * integrity check, and SQLite backup/restore (online backup API, integrity_check).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, it } from 'node:test';
import { startReplicatedCluster, type ReplicatedCluster } from '../../src/database/local/replicated-cluster.js';
import { SqliteStore } from '../../src/store/sqlite/index.js';
import { CLI } from '../support/node-process.js';
import { sessionRecord } from '../store/fixtures/records.js';

const exec = promisify(execFile);

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [CLI, ...args], { timeout: 60_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

describe('continuum db (PostgreSQL, primary + standby, asynchronous)', () => {
  let db: ReplicatedCluster;
  before(async () => {
    db = await startReplicatedCluster({ sync: false });
  });
  after(async () => {
    await db?.stop();
  });

  it('status shows each host, lag in bytes and seconds, and the RPO; failover promotes step by step', async () => {
    const status = await cli(['db', 'status', '--json', '--store', db.multiHostUrl]);
    assert.equal(status.code, 0, status.stderr);
    const s = JSON.parse(status.stdout);
    assert.equal(s.primary, `127.0.0.1:${db.hosts[0].port}`);
    assert.deepEqual(s.hosts.map((h: { role: string }) => h.role), ['primary', 'standby']);
    assert.equal(s.replication.synchronous, false);
    assert.equal(s.replication.standbys[0].name, 'standby1');
    assert.equal(typeof s.replication.standbys[0].lagBytes, 'number');
    assert.equal(typeof s.replication.standbys[0].lagSeconds, 'number');
    assert.equal(typeof s.replication.rpoEstimateSeconds, 'number');
    const text = await cli(['db', 'status', '--store', db.multiHostUrl]);
    assert.match(text.stdout, /RPO if the primary failed now/);

    const check = await cli(['db', 'check', '--json', '--store', db.multiHostUrl]);
    assert.equal(check.code, 0, check.stderr);
    assert.equal(JSON.parse(check.stdout).ok, true);

    await db.killPrimary();
    const down = await cli(['db', 'status', '--store', db.multiHostUrl]);
    assert.equal(down.code, 3, 'no primary: exit 3');
    assert.match(down.stdout, /primary: NONE/);

    const failover = await cli(['db', 'failover', '--store', db.multiHostUrl]);
    assert.equal(failover.code, 0, failover.stdout + failover.stderr);
    for (const step of ['check-replication', 'fence-old-primary', 'verify-standby', 'promote', 'reconfigure', 'repoint-nodes', 'verify-writes']) {
      assert.match(failover.stdout, new RegExp(`ok\\s+${step}\\s+\\d+ ms`));
    }
    assert.match(failover.stdout, /PROMOTED in \d+ ms/);
    const again = JSON.parse((await cli(['db', 'status', '--json', '--store', db.multiHostUrl])).stdout);
    assert.equal(again.primary, `127.0.0.1:${db.hosts[1].port}`);

    const bad = await cli(['db', 'backup', 'x.db', '--store', db.multiHostUrl]);
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /for SQLite stores; for PostgreSQL use pg_basebackup/);
  });
});

describe('continuum db backup / restore (SQLite)', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-sqlite-backup-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('backs up online, restores, and refuses a damaged file at start', async () => {
    const file = join(dir, 'c.db');
    const store = new SqliteStore(file);
    await store.migrate();
    for (let i = 0; i < 50; i++) await store.sessions.createSession(sessionRecord(`before-${i}`));
    // Online: the store stays open (and writing) while the backup runs.
    const backup = await cli(['db', 'backup', join(dir, 'b.db'), '--json', '--store', `sqlite:${file}`]);
    assert.equal(backup.code, 0, backup.stderr);
    assert.equal(JSON.parse(backup.stdout).integrity, 'ok');
    await store.sessions.createSession(sessionRecord('after-backup'));
    await store.close();

    const again = await cli(['db', 'backup', join(dir, 'b.db'), '--store', `sqlite:${file}`]);
    assert.notEqual(again.code, 0);
    assert.match(again.stderr, /already exists/);

    const restore = await cli(['db', 'restore', join(dir, 'b.db'), '--force', '--store', `sqlite:${file}`]);
    assert.equal(restore.code, 0, restore.stderr);
    const restored = new SqliteStore(file);
    assert.equal(await restored.sessions.countSessions(), 50, 'the backup has what it had: a session after it is not in it');
    assert.equal(await restored.sessions.getSession('after-backup'), null);
    await restored.close();

    // A damaged file is refused at start with the way out.
    const damaged = join(dir, 'damaged.db');
    writeFileSync(damaged, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(8192, 0x41)]));
    assert.throws(() => new SqliteStore(damaged), /integrity_check|malformed|not a database/);
    const check = await cli(['db', 'check', '--store', `sqlite:${join(dir, 'b.db')}`]);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /integrity_check: ok/);
  });
});
