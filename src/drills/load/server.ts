import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

export const TICKER_URI = 'drill://ticker';

/**
 * The MCP server the drill topology serves (SDK v2, so both eras reach it). `echo` is the steady load;
 * a client subscribes to `drill://ticker`, and at the end `touch` asks the server to announce an update,
 * which must reach the client's GET stream: proof that the session's subscription and stream survived
 * the fault (subscriptions are replayed into a rebuilt instance on whichever node serves it).
 */
export default function createDrillServer(): McpServer {
  const server = new McpServer({ name: 'continuum-drill', version: '1.0.0' }, { capabilities: { resources: { subscribe: true }, logging: {} } });
  const subscribed = new Set<string>();

  server.registerTool('echo', { description: 'Answers with its input.', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));

  server.registerTool(
    'touch',
    { description: 'Announce an update of a resource to its subscribers.', inputSchema: z.object({ uri: z.string() }) },
    async ({ uri }) => {
      const was = subscribed.has(uri);
      if (was) await server.server.sendResourceUpdated({ uri });
      return { content: [{ type: 'text', text: was ? 'announced' : 'not subscribed' }] };
    },
  );

  server.registerResource('ticker', TICKER_URI, { mimeType: 'text/plain' }, async (uri) => ({ contents: [{ uri: uri.href, text: 'tick' }] }));
  server.server.setRequestHandler('resources/subscribe', async (req) => {
    subscribed.add(req.params.uri);
    return {};
  });
  server.server.setRequestHandler('resources/unsubscribe', async (req) => {
    subscribed.delete(req.params.uri);
    return {};
  });
  return server;
}
