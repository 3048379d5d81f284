import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fixture, startNode, type NodeProcess } from '../support/node-process.js';
import { httpV1, httpV2, stdioV1, stdioV2, type Connect } from '../support/sdk-harness.js';

const EXAMPLE = fixture('../../examples/everything/server');
const WATCHED = 'test://watched-resource';

/** What every official client must be able to do through Continuum, whatever the SDK, era or transport. */
/**
 * `lateProgressMayDrop`: the SDK clients (v1 and v2, `Protocol._onnotification`) dispatch notifications a
 * microtask after they read them but settle a response at once, so over stdio (SDK transport on both ends, messages back to back) the last
 * progress notification can arrive after its request is settled and be dropped by the client. Over
 * Continuum's HTTP every event is committed before it is written, which spaces them out; there the
 * sequence must be exact.
 */
function behaviours(name: string, connect: () => Connect, opts: { subscriptions: boolean; lateProgressMayDrop?: boolean }) {
  describe(name, () => {
    it('lists and calls tools, lists and gets prompts, reads resources', async () => {
      const c = await connect()();
      try {
        const tools = (await c.listTools()).tools.map((t) => t.name);
        for (const t of ['test_simple_text', 'long_running', 'update_watched_resource']) assert.ok(tools.includes(t), `${t} listed`);
        const r = await c.callTool('test_simple_text', {});
        assert.equal(r.isError ?? false, false);
        assert.ok(JSON.stringify(r.content).includes('text'));
        const prompts = (await c.listPrompts()).prompts.map((p) => p.name);
        assert.ok(prompts.includes('test_simple_prompt'));
        assert.ok((await c.getPrompt('test_simple_prompt')).messages.length > 0);
        const res = await c.readResource(WATCHED);
        assert.equal(res.contents[0].uri, WATCHED);
      } finally {
        await c.close();
      }
    });

    it('streams progress notifications of a long-running tool', async () => {
      const c = await connect()();
      try {
        const seen: number[] = [];
        const r = await c.callTool('long_running', { steps: 4, stepMs: 5 }, { onprogress: (p) => seen.push(p.progress) });
        if (opts.lateProgressMayDrop) assert.deepEqual(seen, [1, 2, 3, 4].slice(0, Math.max(seen.length, 3)));
        else assert.deepEqual(seen, [1, 2, 3, 4]);
        assert.ok(JSON.stringify(r.content).includes('Completed 4 steps'));
      } finally {
        await c.close();
      }
    });

    it('cancels a running tool and keeps serving the session', async () => {
      const c = await connect()();
      try {
        const ctl = new AbortController();
        const call = c.callTool('long_running', { steps: 1000, stepMs: 20 }, { signal: ctl.signal, onprogress: () => ctl.abort('enough') });
        await assert.rejects(call);
        const r = await c.callTool('long_running', { steps: 1, stepMs: 1 });
        assert.ok(JSON.stringify(r.content).includes('Completed 1 steps'));
      } finally {
        await c.close();
      }
    });

    if (opts.subscriptions) {
      it('subscribes to a resource and receives its update notification', async () => {
        const c = await connect()();
        try {
          const updated = new Promise<string>((resolve) => c.onResourceUpdated(resolve));
          await c.subscribe(WATCHED);
          await c.callTool('update_watched_resource', {});
          assert.equal(await updated, WATCHED);
        } finally {
          await c.close();
        }
      });
    }
  });
}

describe('official SDK clients against continuum', () => {
  let node: NodeProcess;
  let dir: string;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'continuum-sdk-'));
    node = await startNode(['--port', '0', '--store', `sqlite:${join(dir, 'c.db')}`, '--server', EXAMPLE]);
  });
  after(async () => {
    await node.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  });

  behaviours('SDK v1 client, Streamable HTTP (2025-11-25)', () => httpV1(node.url), { subscriptions: true });
  behaviours('SDK v2 client, Streamable HTTP (2025-11-25)', () => httpV2(node.url, 'legacy'), { subscriptions: true });
  behaviours('SDK v2 client, Streamable HTTP (2026-07-28)', () => httpV2(node.url, 'modern'), { subscriptions: false });
  behaviours('SDK v1 client, stdio', () => stdioV1(EXAMPLE), { subscriptions: true, lateProgressMayDrop: true });
  behaviours('SDK v2 client, stdio', () => stdioV2(EXAMPLE), { subscriptions: true, lateProgressMayDrop: true });
});
