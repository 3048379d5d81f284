/**
 * The CLI's control-plane commands: token (on the store), incident (through a node's API with a
 * token), audit list and verify (which exits non-zero naming the first edited or deleted entry).
 * Commands run in this process through main() with their output captured (a child process per command
 * costs seconds); one real child process checks the exit status a shell sees.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { main } from '../../src/cli/index.js';
import { output } from '../../src/cli/output.js';
import { startInProcess } from '../support/in-process.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RUN = fileURLToPath(new URL('../support/run-cli.ts', import.meta.url));

type Run = { code: number; stdout: string; stderr: string };

/** main() as bin/continuum.js runs it, output captured; env vars set for the call. */
async function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const saved = { ...output };
  const savedEnv = { CONTINUUM_URL: process.env.CONTINUUM_URL, CONTINUUM_TOKEN: process.env.CONTINUUM_TOKEN };
  output.out = (t) => void (stdout += t);
  output.err = (t) => void (stderr += t);
  delete process.env.CONTINUUM_URL;
  delete process.env.CONTINUUM_TOKEN;
  Object.assign(process.env, env);
  try {
    return { code: await main(['node', 'continuum', ...args]), stdout, stderr };
  } catch (err) {
    return { code: 1, stdout, stderr: `${stderr}continuum: ${(err as Error).message}\n` };
  } finally {
    Object.assign(output, saved);
    for (const [k, v] of Object.entries(savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** A real child process (from source), async so the in-process node keeps answering meanwhile. */
function spawnCli(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', RUN, ...args], { cwd: ROOT, timeout: 60_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe('continuum token / incident / audit', () => {
  let dir: string;
  let storeUrl: string;
  let node: Awaited<ReturnType<typeof startInProcess>>;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-cli-'));
    storeUrl = `sqlite:${join(dir, 'c.db')}`;
    node = await startInProcess({ config: { store: storeUrl, incidents: { detection: { enabled: false }, timers: { enabled: false } } } as never });
  });
  after(async () => {
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  let responder = '';
  let viewer = '';

  it('token create prints the secret once; list never shows it', async () => {
    const created = await cli(['token', 'create', '--name', 'oncall', '--role', 'responder', '--store', storeUrl, '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { token, secret } = JSON.parse(created.stdout) as { token: { id: string; role: string }; secret: string };
    assert.equal(token.role, 'responder');
    assert.match(secret, /^ctm_[A-Za-z0-9_-]{43}$/);
    responder = secret;
    const text = await cli(['token', 'create', '--name', 'watcher', '--role', 'viewer', '--store', storeUrl]);
    assert.match(text.stdout, /shown once/);
    viewer = text.stdout.trim().split('\n').at(-1)!;
    const list = await cli(['token', 'list', '--store', storeUrl]);
    assert.match(list.stdout, /oncall\s+responder/);
    assert.ok(!list.stdout.includes(secret));
    const dup = await cli(['token', 'create', '--name', 'oncall', '--role', 'admin', '--store', storeUrl]);
    assert.notEqual(dup.code, 0);
    assert.match(dup.stderr, /exists .* revoke it first/);
  });

  it('incident declare, ack, update, resolve, list and show through the API', async () => {
    const env = { CONTINUUM_URL: node.url, CONTINUUM_TOKEN: responder };
    const declared = await cli(['incident', 'declare', '--title', 'EU region down', '--severity', 'P1', '--component', 'gateway', '--component', 'db', '--json'], env);
    assert.equal(declared.code, 0, declared.stderr);
    const id = (JSON.parse(declared.stdout) as { incident: { id: string; components: string[] } }).incident.id;
    assert.match(id, /^INC-\d{8}-[0-9A-F]{6}$/);
    assert.match((await cli(['incident', 'ack', id], env)).stdout, /acknowledged .*\(acked/);
    const upd = await cli(['incident', 'update', id, '--status', 'identified', '--message', 'failover started', '--external', '--failover', '--json'], env);
    assert.equal(upd.code, 0, upd.stderr);
    assert.equal((JSON.parse(upd.stdout) as { incident: { status: string; failoverAt: string | null } }).incident.status, 'identified');
    const resolved = await cli(['incident', 'resolve', id, '--message', 'traffic back in EU'], env);
    assert.match(resolved.stdout, /debrief due by/);
    const list = await cli(['incident', 'list', '--status', 'all'], env);
    assert.match(list.stdout, new RegExp(`${id}\\s+P1\\s+resolved`));
    const show = await cli(['incident', 'show', id], env);
    assert.match(show.stdout, /timeline/);
    assert.match(show.stdout, /External update: failover started/);
    const json = JSON.parse((await cli(['incident', 'show', id, '--json'], env)).stdout) as { timeline: unknown[] };
    assert.ok(json.timeline.length >= 6);
  });

  it('explains what to do on a missing token, a denied role, or no node', async () => {
    const none = await cli(['incident', 'list', '--url', node.url]);
    assert.notEqual(none.code, 0);
    assert.match(none.stderr, /no API token: pass --token or set CONTINUUM_TOKEN/);
    const denied = await cli(['incident', 'declare', '--title', 't', '--severity', 'P3', '--url', node.url, '--token', viewer]);
    assert.notEqual(denied.code, 0);
    assert.match(denied.stderr, /role viewer may not .* needs responder .*\(HTTP 403\)/);
    const down = await cli(['incident', 'list', '--url', 'http://127.0.0.1:1', '--token', viewer]);
    assert.match(down.stderr, /cannot reach http:\/\/127\.0\.0\.1:1 .* is a node running there/);
  });

  it('audit list shows the actions; audit verify passes, then names an edited and a deleted entry', async () => {
    const list = await cli(['audit', 'list', '--store', storeUrl, '--json']);
    const actions = (JSON.parse(list.stdout) as { entries: { action: string; actor: string }[] }).entries.map((e) => `${e.action} by ${e.actor.split(':')[0]}`);
    assert.deepEqual(actions, [
      'token.created by cli',
      'token.created by cli',
      'incident.declared by token',
      'incident.acknowledged by token',
      'incident.updated by token',
      'incident.resolved by token',
    ]);
    assert.ok(!list.stdout.includes(responder), 'no secret in the audit log');
    const ok = await cli(['audit', 'verify', '--store', storeUrl]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stdout, /intact: 6 entries/);

    const db = new Database(join(dir, 'c.db'));
    try {
      db.prepare(`UPDATE continuum_audit_log SET details = '{"title":"something else"}' WHERE position = 3`).run();
      const edited = await spawnCli(['audit', 'verify', '--store', storeUrl]);
      assert.equal(edited.code, 1);
      assert.match(edited.stderr, /TAMPERED at entry 3: its content does not match its hash \(the entry was edited\)/);

      db.prepare('DELETE FROM continuum_audit_log WHERE position IN (3, 4)').run();
      const deleted = await cli(['audit', 'verify', '--store', storeUrl, '--json']);
      assert.equal(deleted.code, 1);
      const verdict = JSON.parse(deleted.stdout) as { ok: boolean; position: number; problem: string };
      assert.equal(verdict.position, 5);
      assert.match(verdict.problem, /entries 3-4 are missing/);
    } finally {
      db.close();
    }
  });

  it('token revoke by name', async () => {
    const r = await cli(['token', 'revoke', 'watcher', '--store', storeUrl]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked .* REVOKED/);
  });
});
