/**
 * Continuum's library entry: serve an MCP server written with the official SDK, with durable sessions.
 *
 *   import { serve } from 'continuum';
 *   const node = await serve(() => createMyMcpServer(), { port: 8080 });
 */
import { parseConfig, type ContinuumConfigInput } from './config/index.js';
import type { Clock } from './core/clock.js';
import type { Random } from './core/random.js';
import type { ServerFactory } from './runtime/legacy/server-factory.js';
import { ContinuumNode } from './runtime/node.js';
import type { Store } from './store/port.js';

export { ContinuumNode } from './runtime/node.js';
export type { ServerFactory, ServerContext, McpServerLike } from './runtime/legacy/server-factory.js';
export { loadConfig, parseConfig, ConfigError, type ContinuumConfig, type ContinuumConfigInput } from './config/index.js';
export { openStore } from './store/index.js';
export type { Store, SessionRecord, StoredEvent } from './store/port.js';
export { createContinuumServer } from './server/index.js';
export { serveOverStdio } from './runtime/stdio.js';
export { systemClock, ManualClock, type Clock } from './core/clock.js';

export interface ServeOptions extends ContinuumConfigInput {
  clock?: Clock;
  random?: Random;
  /** An already open store (overrides the `store` URL). */
  openedStore?: Store;
}

/** Starts a node serving `factory`'s server at /mcp. Options are configuration keys (see the README). */
export function serve(factory: ServerFactory, options: ServeOptions = {}): Promise<ContinuumNode> {
  const { clock, random, openedStore, ...config } = options;
  return ContinuumNode.start({ config: parseConfig(config), factory, clock, random, store: openedStore });
}
