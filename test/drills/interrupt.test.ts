import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import postgres from 'postgres';
import { privatePostgres, SMALL, spawnDrill } from './run-drill.js';

/** Processes whose command line mentions `needle` (the drill's work dir is in every node's arguments). */
function processesMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

describe('interrupting a drill', () => {
  it('SIGINT mid-fault leaves no process, temporary directory or database behind', async () => {
    const pg = await privatePostgres();
    after(() => pg.stop());
    const admin = pg.url;
    let dir = '';
    let database = '';
    let signalled = false;
    const drill = spawnDrill(['region-failure', '--scale', '1', '--postgres', admin, ...SMALL], (err, pid) => {
      const m = /PostgreSQL database (\S+) on .*work dir (\S+)/.exec(err);
      if (m) [, database, dir] = m;
      // Interrupt once the fault is in (a region's nodes are dead, the others under load).
      if (!signalled && err.includes('drill: action kill -9 every node of region us')) {
        signalled = true;
        setTimeout(() => process.kill(pid, 'SIGINT'), 500);
      }
    });
    const { code, stderr } = await drill.done;
    assert.ok(signalled, `the drill reached its fault:\n${stderr}`);
    assert.equal(code, 130, stderr);
    assert.ok(dir && database, stderr);
    assert.deepEqual(processesMentioning(dir), [], 'no node process is left');
    assert.equal(existsSync(dir), false, 'the work directory is removed');
    const sql = postgres(admin, { max: 1, onnotice: () => undefined });
    try {
      const rows = await sql`SELECT 1 FROM pg_database WHERE datname = ${database}`;
      assert.equal(rows.length, 0, 'the drill database is dropped');
    } finally {
      await sql.end();
    }
  });
});
