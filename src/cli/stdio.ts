import type { Command } from 'commander';
import { systemClock } from '../core/clock.js';
import { createContinuumServer } from '../server/index.js';
import { serveOverStdio } from '../runtime/stdio.js';
import { openStore } from '../store/index.js';
import { VERSION } from '../version.js';
import { loadServerFactory } from './load-server.js';
import { addNodeOptions, configFromFlags } from './options.js';

export function registerStdio(program: Command): void {
  addNodeOptions(
    program
      .command('stdio')
      .summary('serve the same MCP server over stdin/stdout')
      .description('Serve the MCP server over stdio (for clients that launch servers as subprocesses). Logs go to stderr.'),
  ).action(async (flags) => {
    const config = configFromFlags(flags);
    const startedAt = systemClock.now();
    const factory = config.server
      ? await loadServerFactory(config.server)
      : () =>
          createContinuumServer({
            status: async () => {
              const store = await openStore(config.store).catch((e: Error) => e);
              const reachable = !(store instanceof Error);
              const stored = reachable ? await store.migrate().then(() => store.sessions.countSessions()).catch(() => null) : null;
              if (reachable) await store.close();
              return {
                node: { id: config.nodeId ?? 'stdio', region: config.region, startedAt: new Date(startedAt).toISOString(), uptimeSeconds: Math.round((systemClock.now() - startedAt) / 1000), draining: false, version: VERSION },
                store: { kind: config.store.split(':')[0], description: config.store.replace(/(\/\/[^:/@]+:)[^@]*@/, '$1[redacted]@'), reachable, ...(reachable ? {} : { error: (store as Error).message }) },
                sessions: { live: 1, stored, createdHere: 0, restoredHere: 0 },
              };
            },
          });
    const served = await serveOverStdio(factory);
    await served.closed;
    await served.close();
  });
}
