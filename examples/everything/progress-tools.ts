import { setTimeout as sleep } from 'node:timers/promises';

import type { McpServer, ServerContext } from '@modelcontextprotocol/server';
import { z } from 'zod';

import type { InstanceScope } from './instance-scope.js';

/** Tools that stream notifications (logs, progress) while they run. */
export function registerProgressTools(mcp: McpServer, scope: InstanceScope): void {
  mcp.registerTool(
    'test_tool_with_logging',
    { description: 'Sends three info log messages while it runs' },
    async (ctx) => {
      // ctx.mcpReq.log honours the level the client chose with logging/setLevel.
      await ctx.mcpReq.log('info', 'Tool execution started');
      await sleep(50, undefined, { signal: ctx.mcpReq.signal });
      await ctx.mcpReq.log('info', 'Tool processing data');
      await sleep(50, undefined, { signal: ctx.mcpReq.signal });
      await ctx.mcpReq.log('info', 'Tool execution completed');
      return { content: [{ type: 'text', text: 'Tool with logging executed successfully' }] };
    },
  );

  mcp.registerTool(
    'test_tool_with_progress',
    { description: 'Reports progress 0, 50 and 100 out of 100' },
    async (ctx) => {
      for (const progress of [0, 50, 100]) {
        if (progress > 0) await sleep(50, undefined, { signal: ctx.mcpReq.signal });
        await reportProgress(ctx, progress, 100, `Completed ${progress} of 100`);
      }
      return { content: [{ type: 'text', text: 'Tool with progress executed successfully' }] };
    },
  );

  mcp.registerTool(
    'long_running',
    {
      description:
        'Runs `steps` steps of `stepMs` each, reporting progress after every step. ' +
        'Stops early when the client cancels the request.',
      inputSchema: z.object({
        steps: z.number().int().min(1).max(1000).default(10).describe('How many steps to run'),
        stepMs: z.number().int().min(0).max(60_000).default(1000).describe('Duration of one step in ms'),
      }),
    },
    async ({ steps, stepMs }, ctx) => {
      // Stop on client cancellation (notifications/cancelled) or when this
      // server instance is closed, whichever comes first.
      const signal = AbortSignal.any([ctx.mcpReq.signal, scope.signal]);
      for (let step = 1; step <= steps; step++) {
        try {
          await sleep(stepMs, undefined, { signal });
        } catch {
          return { content: [{ type: 'text', text: `Cancelled after ${step - 1} of ${steps} steps` }] };
        }
        await reportProgress(ctx, step, steps, `Step ${step} of ${steps}`);
      }
      return { content: [{ type: 'text', text: `Completed ${steps} steps` }] };
    },
  );

  mcp.registerTool(
    'test_reconnection',
    {
      description:
        'Closes its own SSE response stream mid-call, then answers; the client must reconnect ' +
        '(GET with Last-Event-ID) to receive the result (SEP-1699)',
    },
    async (ctx) => {
      // closeSSE exists only on a resumable transport (event store) and for
      // clients on protocol 2025-11-25 or later; otherwise the result simply
      // arrives on the original stream.
      ctx.http?.closeSSE?.();
      await sleep(100, undefined, { signal: ctx.mcpReq.signal });
      return { content: [{ type: 'text', text: 'Reconnection test completed' }] };
    },
  );
}

/** Sends notifications/progress when (and only when) the caller asked for it with a progress token. */
async function reportProgress(ctx: ServerContext, progress: number, total: number, message: string): Promise<void> {
  const progressToken = ctx.mcpReq._meta?.progressToken;
  if (progressToken === undefined) return;
  await ctx.mcpReq.notify({
    method: 'notifications/progress',
    params: { progressToken, progress, total, message },
  });
}
