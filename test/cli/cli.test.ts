import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { rawSession } from '../support/in-process.js';
import { CLI, fixture, startNode } from '../support/node-process.js';

const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

describe('continuum CLI', () => {
  it('--help explains the commands and every option of up', () => {
    const top = run(['--help']);
    assert.equal(top.status, 0);
    for (const cmd of ['up', 'stdio', 'config']) assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
    const up = run(['up', '--help']);
    assert.equal(up.status, 0);
    for (const opt of ['--config', '--host', '--port', '--store', '--node-id', '--region', '--server', '--log-level', 'CONTINUUM_STORE', 'SIGTERM']) {
      assert.ok(up.stdout.includes(opt), `up --help mentions ${opt}`);
    }
  });

  it('a bad configuration exits 2 naming the key and what to do', () => {
    const r = run(['up', '--port', 'eighty', '--store', 'mysql://nope']);
    assert.equal(r.status, 2);
    assert.match(r.stderr, /port:/);
    assert.match(r.stderr, /store: must start with sqlite:/);
    assert.match(r.stderr, /Fix the keys above/);
  });

  it('a missing server module exits non-zero and says so', () => {
    const r = run(['up', '--port', '0', '--store', 'sqlite::memory:', '--server', 'no/such/module.js']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /server module no\/such\/module\.js not found/);
  });

  it('an unknown command or option is refused with a hint', () => {
    const r = run(['launch']);
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /unknown command 'launch'/);
  });

  it('config --json prints the merged configuration with tokens redacted', () => {
    const r = run(['config', '--json', '--port', '9999'], { CONTINUUM_MCP_TOKENS: '[{"token":"super-secret-token-value","principal":"ops"}]' });
    assert.equal(r.status, 0, r.stderr);
    const c = JSON.parse(r.stdout) as { port: number; mcp: { tokens: { token: string; principal: string }[] } };
    assert.equal(c.port, 9999);
    assert.deepEqual(c.mcp.tokens, [{ principal: 'ops', token: '[redacted]' }]);
    assert.ok(!r.stdout.includes('super-secret-token-value'));
  });

  it('config redacts channel credentials (Slack webhook URLs, routing keys, webhook secrets)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'continuum.yaml');
    writeFileSync(
      file,
      [
        'communications:',
        '  channels:',
        '    - { type: slack, name: ops, url: "https://hooks.slack.test/services/T0/B0/secret-slack-path" }',
        '    - { type: pagerduty, name: pd, routingKey: secret-routing-key }',
        '    - { type: webhook, name: hook, url: "https://hook.test/x", secrets: ["whsec_c2VjcmV0LXdlYmhvb2stc2VjcmV0"] }',
      ].join('\n'),
    );
    const r = run(['config', '--json', '--config', file]);
    assert.equal(r.status, 0, r.stderr);
    for (const secret of ['secret-slack-path', 'secret-routing-key', 'whsec_c2VjcmV0']) assert.ok(!r.stdout.includes(secret), `${secret} shown`);
    assert.equal((JSON.parse(r.stdout) as { communications: { channels: unknown[] } }).communications.channels.length, 3);
  });

  it('CONTINUUM_EXIT_WITH_PID: the node drains and exits once its supervisor is gone', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-orphan-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const supervisor = spawn('sleep', ['600'], { stdio: 'ignore' });
    const node = await startNode(['--port', '0', '--store', `sqlite:${join(dir, 'c.db')}`], { CONTINUUM_EXIT_WITH_PID: String(supervisor.pid) });
    const exited = once(node.child, 'exit');
    supervisor.kill('SIGKILL');
    const [code] = (await exited) as [number | null];
    assert.equal(code, 0);
    assert.match(node.stderr(), /supervisor gone, draining/);
  });

  it('SIGTERM drains: GET streams end with a retry hint, in-flight work finishes, exit 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'continuum-drain-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    const node = await startNode(['--port', '0', '--store', `sqlite:${join(dir, 'c.db')}`, '--server', fixture('../../examples/everything/server')]);
    const client = new Client({ name: 'drain', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(new URL(node.url), { reconnectionOptions: { maxRetries: 0, initialReconnectionDelay: 10, maxReconnectionDelay: 10, reconnectionDelayGrowFactor: 1 } }));
    let progressed!: () => void;
    const firstProgress = new Promise<void>((r) => (progressed = r));
    const inFlight = client.callTool({ name: 'long_running', arguments: { steps: 5, stepMs: 100 } }, undefined, { onprogress: () => progressed() });
    await firstProgress;
    // A raw session's GET stream: on drain it must end with a reconnect hint.
    const sid = await rawSession(node.url);
    const stream = await fetch(node.url, { headers: { accept: 'text/event-stream', 'mcp-session-id': sid } });
    assert.equal(stream.status, 200);
    const streamText = stream.text();
    const exit = node.kill('SIGTERM');
    assert.match(await streamText, /retry: \d+/);
    const result = await inFlight;
    assert.match(JSON.stringify(result.content), /Completed 5 steps/);
    assert.deepEqual(await exit, { code: 0, signal: null });
    assert.match(node.stderr(), /SIGTERM, draining/);
    await client.close().catch(() => undefined);
  });
});
