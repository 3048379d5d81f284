import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ServerFactory } from '../runtime/legacy/server-factory.js';

/**
 * Imports a user's server module. It must export a factory returning a fresh McpServer (SDK v1 or v2),
 * as its default export or as `createServer`: Continuum makes one instance per live session.
 */
export async function loadServerFactory(spec: string): Promise<ServerFactory> {
  const path = resolve(spec);
  if (!existsSync(path)) throw new Error(`server module ${spec} not found (resolved to ${path})`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    const hint = /\.(c|m)?ts$/.test(path) ? ' (a .ts module needs compiling first, or run continuum under node --import tsx)' : '';
    throw new Error(`could not import server module ${spec}: ${(err as Error).message}${hint}`, { cause: err });
  }
  const factory = mod.default ?? mod.createServer;
  if (typeof factory !== 'function') {
    throw new Error(
      `server module ${spec} must export a factory function (export default function createServer() { return new McpServer(...) }); found ${typeof factory}`,
    );
  }
  return factory as ServerFactory;
}
