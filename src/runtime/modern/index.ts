import type { IncomingMessage, ServerResponse } from 'node:http';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer, Server, type ServerEventBus } from '@modelcontextprotocol/server';
import type { ServerFactory } from '../legacy/server-factory.js';

/** Whether an instance is from SDK v2 (only v2 speaks the 2026-07-28 revision). */
export function isV2Server(instance: unknown): boolean {
  return instance instanceof McpServer || instance instanceof Server;
}

/**
 * 2026-07-28 traffic: stateless per-request exchanges, server/discover and subscriptions/listen, served
 * by the official SDK's handler. Continuum adds what sits around it (origin, auth, limits, metrics) and
 * the bus that carries change events to listen streams.
 */
export function createModernHandler(factory: ServerFactory, opts: { maxBodyBytes: number; bus: ServerEventBus; onerror: (e: Error) => void }) {
  const bus = opts.bus;
  const handler = createMcpHandler(
    async (ctx) => (await factory({ era: 'modern', authInfo: ctx.authInfo as never })) as McpServer,
    { legacy: 'reject', bus, onerror: opts.onerror, maxRequestBodySize: opts.maxBodyBytes },
  );
  const node = toNodeHandler(handler, { onerror: opts.onerror, maxRequestBodySize: opts.maxBodyBytes });
  return {
    serve: (req: IncomingMessage, res: ServerResponse, body: unknown) => node(req, res, body),
    close: () => handler.close(),
  };
}
