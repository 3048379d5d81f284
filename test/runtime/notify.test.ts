import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Client as ClientV2, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import createExampleServer from '../../examples/everything/server.js';
import { startInProcess } from '../support/in-process.js';
import { httpV1 } from '../support/sdk-harness.js';

describe('node.notify reaches clients of both eras', () => {
  it('a resource update reaches a 2026 listen stream and a subscribed 2025 session', async () => {
    const h = await startInProcess({ factory: createExampleServer });
    after(() => h.close());
    const uri = 'test://static-text';

    const modern = new ClientV2({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new StreamableHTTPClientTransport(new URL(h.url)));
    const modernGot = new Promise<string>((resolve) => modern.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)));
    const toolsChanged = new Promise<void>((resolve) => modern.setNotificationHandler('notifications/tools/list_changed', () => resolve()));
    const sub = await modern.listen({ resourceSubscriptions: [uri], toolsListChanged: true });

    const legacy = await httpV1(h.url)();
    const legacyGot = new Promise<string>((resolve) => legacy.onResourceUpdated(resolve));
    await legacy.subscribe(uri);

    h.node.notify.resourceUpdated(uri);
    h.node.notify.toolsChanged();
    assert.equal(await modernGot, uri);
    assert.equal(await legacyGot, uri);
    await toolsChanged;
    await sub.close();
    await modern.close();
    await legacy.close();
  });
});

describe('node.notify across nodes', () => {
  it('a change published on node A reaches a 2025 session and a 2026 listen stream on node B', async () => {
    const a = await startInProcess({ factory: createExampleServer, config: { nodeId: 'a' } });
    after(() => a.close());
    const b = await startInProcess({ factory: createExampleServer, config: { nodeId: 'b', store: `sqlite:${a.dir}/c.db` } });
    after(() => b.close());
    const uri = 'test://static-text';

    const modern = new ClientV2({ name: 'modern', version: '1' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await modern.connect(new StreamableHTTPClientTransport(new URL(b.url)));
    const modernGot = new Promise<string>((resolve) => modern.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri)));
    const sub = await modern.listen({ resourceSubscriptions: [uri] });
    const legacy = await httpV1(b.url)();
    const legacyGot = new Promise<string>((resolve) => legacy.onResourceUpdated(resolve));
    await legacy.subscribe(uri);

    a.node.notify.resourceUpdated(uri);
    assert.equal(await modernGot, uri);
    assert.equal(await legacyGot, uri);
    await sub.close();
    await modern.close();
    await legacy.close();
  });
});
