import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { CLI } from '../support/node-process.js';

const dir = mkdtempSync(join(tmpdir(), 'continuum-drill-cli-'));
const store = `sqlite:${join(dir, 'c.db')}`;
const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'drill', ...args], { encoding: 'utf8', timeout: 30_000 });

describe('continuum drill (CLI)', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('lists the built-in scenarios', () => {
    const r = run('list', '--json');
    assert.equal(r.status, 0, r.stderr);
    const names = (JSON.parse(r.stdout) as { name: string }[]).map((s) => s.name);
    for (const n of ['single-node-failure', 'region-failure', 'database-failover', 'database-corruption', 'network-partition', 'gray-failure']) assert.ok(names.includes(n), n);
  });

  it('an unknown scenario or a bad file exits 2 and says what to do', () => {
    let r = run('no-such-scenario');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /no built-in scenario "no-such-scenario" \(built-in: .*single-node-failure/);
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'title: x\ntarget: { local: { regions: [{ name: eu, nodes: 1 }] } }\nmethod: []\n');
    r = run(file);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /method: .*1/);
    assert.match(r.stderr, /docs\/drills\.md/);
    r = run('gray-failure', '--scale', 'fast');
    assert.equal(r.status, 2);
    assert.match(r.stderr, /--scale takes a positive number/);
  });

  it('records a tabletop exercise; history and schedule show it', () => {
    let r = run('tabletop', '--title', 'EU region loss', '--participant', 'alice', '--participant', 'bob', '--done', 'paging', '--missed', 'status page', '--finding', 'runbook step 3 unclear', '--store', store, '--json');
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout).participants, ['alice', 'bob']);
    r = run('history', '--store', store, '--json');
    assert.equal(r.status, 0, r.stderr);
    const [rec] = JSON.parse(r.stdout) as { type: string; findings: string[]; passed: boolean }[];
    assert.deepEqual([rec.type, rec.findings, rec.passed], ['tabletop', ['runbook step 3 unclear'], false]);
    r = run('schedule', '--store', store, '--json');
    assert.equal(r.status, 0, r.stderr);
    const rows = JSON.parse(r.stdout) as { type: string; state: string }[];
    assert.deepEqual(rows.map((x) => [x.type, x.state]), [['chaos', 'never run'], ['drill', 'never run'], ['dr', 'never run'], ['tabletop', 'ok']]);
  });
});
