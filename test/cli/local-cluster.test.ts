import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { connectV1 } from '../support/clients.js';
import { eventually } from '../support/eventually.js';
import { CLI, fixture } from '../support/node-process.js';
import { freePort } from '../support/ports.js';

describe('continuum up --nodes 3', () => {
  it('starts three nodes behind a balancer, reports them in cluster status, and stops them all on SIGTERM', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-local-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const store = `sqlite:${join(dir, 'c.db')}`;
    const port = await freePort();
    const child = spawn(process.execPath, [CLI, 'up', '--nodes', '3', '--port', String(port), '--store', store, '--server', fixture('durable-server'), '--log-level', 'warn'], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let err = '';
    const exited = once(child, 'exit');
    const url = await new Promise<string>((resolve, reject) => {
      child.stderr!.on('data', (c: Buffer) => {
        err += c.toString();
        const m = /connect to (\S+)/.exec(err);
        if (m) resolve(m[1]);
      });
      child.once('exit', () => reject(new Error(err)));
    });
    assert.equal(url, `http://127.0.0.1:${port}/mcp`);
    const client = await connectV1(url);
    for (let i = 0; i < 9; i++) assert.deepEqual((await client.client.callTool({ name: 'echo', arguments: { text: `${i}` } })).content, [{ type: 'text', text: `${i}` }]);
    await client.client.close();

    const status = await eventually(async () => {
      const r = spawnSync(process.execPath, [CLI, 'cluster', 'status', '--store', store, '--json'], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const s = JSON.parse(r.stdout) as { nodes: { id: string; health: string }[]; leader: { holder: string } | null };
      assert.deepEqual(s.nodes.map((n) => `${n.id}:${n.health}`), ['node-1:healthy', 'node-2:healthy', 'node-3:healthy']);
      assert.ok(s.leader && ['node-1', 'node-2', 'node-3'].includes(s.leader.holder));
      return r.stdout;
    });
    assert.match(status, /"leader"/);
    const table = spawnSync(process.execPath, [CLI, 'cluster', 'status', '--store', store], { encoding: 'utf8' });
    assert.match(table.stdout, /NODE\s+REGION\s+HEALTH/);
    assert.match(table.stdout, /3 of 3 nodes healthy; leader: node-\d \(epoch \d+\)/);

    child.kill('SIGTERM');
    const [code] = await exited;
    assert.equal(code, 0);
    const afterStop = spawnSync(process.execPath, [CLI, 'cluster', 'status', '--store', store, '--json'], { encoding: 'utf8' });
    assert.deepEqual((JSON.parse(afterStop.stdout) as { nodes: unknown[] }).nodes, [], 'nodes deregister when they drain');
  });

  it('continuum drain <node> drains one node of the cluster', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-drain-cmd-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const store = `sqlite:${join(dir, 'c.db')}`;
    const port = await freePort();
    const node = spawn(process.execPath, [CLI, 'up', '--port', String(port), '--node-id', 'solo', '--store', store, '--log-level', 'warn'], { stdio: ['ignore', 'ignore', 'pipe'] });
    const exited = once(node, 'exit');
    await new Promise<void>((resolve) => node.stderr!.on('data', (c: Buffer) => /serving MCP/.test(c.toString()) && resolve()));
    const r = spawnSync(process.execPath, [CLI, 'drain', 'solo', '--store', store], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /asked solo to drain/);
    assert.deepEqual(await exited, [0, null]);
    const unknown = spawnSync(process.execPath, [CLI, 'drain', 'ghost', '--store', store], { encoding: 'utf8' });
    assert.notEqual(unknown.status, 0);
    assert.match(unknown.stderr, /no node ghost/);
  });
});
