// The server Continuum serves in the benchmarks: an SDK v2 McpServer with
//   echo      answers at once with its input (the throughput benchmark's tool)
//   progress  sends `steps` progress notifications to the request's progressToken, then answers
//             (the durability benchmark's streaming variant: each notification is an SSE event that
//             Continuum commits to the store before writing it)
import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

export default function createServer() {
  const server = new McpServer({ name: 'bench-echo', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes its input', inputSchema: z.object({ text: z.string() }) }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool(
    'progress',
    { description: 'Sends `steps` progress notifications, then echoes', inputSchema: z.object({ text: z.string(), steps: z.number().int().min(0).max(100) }) },
    async ({ text, steps }, ctx) => {
      const progressToken = ctx.mcpReq._meta?.progressToken;
      if (progressToken !== undefined) {
        for (let s = 1; s <= steps; s++) {
          await ctx.mcpReq.notify({ method: 'notifications/progress', params: { progressToken, progress: s, total: steps } });
        }
      }
      return { content: [{ type: 'text', text }] };
    },
  );
  return server;
}
