/**
 * "Everything" example: an MCP server written with the official TypeScript
 * SDK (v2) that exercises every feature the MCP conformance suite checks —
 * tools of every content type, logging, progress, cancellation, sampling,
 * elicitation, resources (static, templated, subscribable), prompts and
 * completions.
 *
 * It is a plain factory, as a user would write it: Continuum (or any other
 * host) calls it to get a fresh instance whenever it needs one and connects
 * that instance to its own transport.
 *
 *   npm run build
 *   node bin/continuum.js up --server dist/examples/everything/server.js
 */
import { McpServer, type McpRequestContext } from '@modelcontextprotocol/server';

import { registerClientRequestTools } from './client-request-tools.js';
import { registerContentTools } from './content-tools.js';
import { createInstanceScope } from './instance-scope.js';
import { registerProgressTools } from './progress-tools.js';
import { registerPrompts } from './prompts.js';
import { registerResources } from './resources.js';

// The context says which protocol era the instance will serve and who the
// caller is; this server behaves the same for everyone, so it is unused.
export function createServer(_ctx?: McpRequestContext): McpServer {
  const mcp = new McpServer(
    { name: 'continuum-everything-example', version: '1.0.0' },
    {
      capabilities: {
        tools: {},
        resources: { subscribe: true },
        prompts: {},
        logging: {},
        completions: {},
      },
      instructions:
        'Demonstrates every MCP feature. Try long_running for progress and cancellation, and ' +
        'subscribe to test://watched-resource then call update_watched_resource.',
    },
  );

  const scope = createInstanceScope(mcp);
  registerContentTools(mcp);
  registerProgressTools(mcp, scope);
  registerClientRequestTools(mcp);
  registerResources(mcp, scope);
  registerPrompts(mcp);
  return mcp;
}

export default createServer;
