import type { Command } from 'commander';
import { redactUrl } from '../log/index.js';
import { ContinuumNode } from '../runtime/node.js';
import { loadServerFactory } from './load-server.js';
import { addNodeOptions, configFromFlags } from './options.js';

export function registerUp(program: Command): void {
  addNodeOptions(
    program
      .command('up')
      .summary('start a node serving MCP at /mcp')
      .description(
        'Start one Continuum node: MCP over Streamable HTTP at /mcp (both protocol eras), /healthz, /readyz and /metrics.\n' +
          'Sessions are committed to the store, so a client keeps its Mcp-Session-Id across a crash and restart.\n' +
          'SIGTERM or SIGINT drains the node: readiness goes false, streams close with a reconnect hint, in-flight requests finish.',
      ),
  ).action(async (flags) => {
    const config = configFromFlags(flags);
    const factory = config.server ? await loadServerFactory(config.server) : undefined;
    const node = await ContinuumNode.start({ config, factory });
    process.stderr.write(
      `continuum ${node.nodeId} (${node.region}) serving MCP at ${node.url}\n` +
        `  server: ${config.server ?? 'continuum (built-in)'}\n  store:  ${config.sessions.durable ? '' : '(not durable) '}${redactUrl(config.store)}\n` +
        `  health: ${node.url.replace(/\/mcp$/, '')}/healthz  ready: /readyz  metrics: /metrics\n`,
    );
    await new Promise<void>((resolve) => {
      const stop = (signal: string) => {
        process.stderr.write(`continuum: ${signal}, draining\n`);
        node.stop().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}
