/** The incident tools on Continuum's own MCP server, called by official SDK clients of both eras. */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { startApiNode, type Json } from '../support/api.js';

type ToolResult = { content: { type: string; text?: string }[]; structuredContent?: Json; isError?: boolean };
type Call = (name: string, args?: Record<string, unknown>) => Promise<ToolResult>;

const MCP_TOKEN = 'mcp-token-for-the-assistant-0001';
const auth = { headers: { authorization: `Bearer ${MCP_TOKEN}` } };

async function v1(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const c = new ClientV1({ name: 'assistant-v1', version: '1' });
  await c.connect(new HttpV1(new URL(url), { requestInit: auth }));
  return { call: (name, args = {}) => c.callTool({ name, arguments: args }) as Promise<ToolResult>, close: () => c.close() };
}

async function v2(url: string): Promise<{ call: Call; close: () => Promise<void> }> {
  const c = new ClientV2({ name: 'assistant-v2', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
  await c.connect(new HttpV2(new URL(url), { requestInit: auth }));
  return { call: (name, args = {}) => c.callTool({ name, arguments: args }) as Promise<ToolResult>, close: () => c.close() };
}

describe('incident MCP tools', () => {
  let node: Awaited<ReturnType<typeof startApiNode>>;
  let viewerNode: Awaited<ReturnType<typeof startApiNode>>;
  before(async () => {
    const mcp = { tokens: [{ token: MCP_TOKEN, principal: 'assistant' }] };
    node = await startApiNode({ config: { mcp, incidents: { mcpRole: 'responder' } } as never });
    viewerNode = await startApiNode({ config: { mcp } as never });
  });
  after(async () => {
    await node.close();
    await viewerNode.close();
  });

  for (const [era, connect] of [['2025 era, SDK v1 client', v1], ['2026-07-28, SDK v2 client', v2]] as const) {
    it(`${era}: declare, update, show, list, status, resolve`, async () => {
      const client = await connect(node.url);
      try {
        const declared = await client.call('incident_declare', { title: `checkout errors (${era})`, severity: 'P1', components: ['checkout'] });
        assert.ok(!declared.isError, declared.content[0]?.text);
        const id = declared.structuredContent!.incident.id as string;
        assert.equal(declared.structuredContent!.incident.declaredBy, 'mcp:assistant');
        assert.equal(declared.structuredContent!.incident.roles.length, 6);

        const updated = await client.call('incident_update', { id, status: 'identified', message: 'bad deploy', external: true });
        assert.equal(updated.structuredContent!.incident.status, 'identified');

        const shown = await client.call('incident_show', { id });
        const what = shown.structuredContent!.timeline.map((t: { type: string }) => t.type);
        assert.deepEqual(what, ['incident.declared', 'incident.status_changed', 'incident.updated']);

        const status = await client.call('incident_status');
        assert.equal(status.structuredContent!.level, 'incident');
        assert.ok(status.structuredContent!.open.some((o: { id: string }) => o.id === id));

        const listed = await client.call('incidents_list', { status: 'open' });
        assert.ok(listed.structuredContent!.incidents.some((i: { id: string }) => i.id === id));

        const resolved = await client.call('incident_resolve', { id, message: 'rolled back' });
        assert.equal(resolved.structuredContent!.incident.status, 'resolved');
        assert.ok(resolved.structuredContent!.incident.debriefDueAt);

        const missing = await client.call('incident_show', { id: 'INC-nope' });
        assert.equal(missing.isError, true);
        assert.match(missing.content[0].text!, /no incident INC-nope/);
      } finally {
        await client.close();
      }
    });
  }

  it('lists the tools next to continuity_status', async () => {
    const c = new ClientV1({ name: 'lister', version: '1' });
    await c.connect(new HttpV1(new URL(node.url), { requestInit: auth }));
    try {
      const names = (await c.listTools()).tools.map((t) => t.name).sort();
      assert.deepEqual(names, ['continuity_status', 'incident_declare', 'incident_resolve', 'incident_show', 'incident_status', 'incident_update', 'incidents_list']);
    } finally {
      await c.close();
    }
  });

  it('with the default viewer role, reads work and changes are refused with what to do', async () => {
    const client = await v1(viewerNode.url);
    try {
      const refused = await client.call('incident_declare', { title: 'x', severity: 'P3' });
      assert.equal(refused.isError, true);
      assert.match(refused.content[0].text!, /viewer role here; this tool needs responder.*incidents\.mcpRole/);
      assert.equal((await client.call('incident_status')).structuredContent!.level, 'operational');
      assert.equal((await viewerNode.call('GET', '/v1/incidents')).json.incidents.length, 0);
    } finally {
      await client.close();
    }
  });
});
