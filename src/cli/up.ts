import type { Command } from 'commander';
import { redactUrl } from '../log/index.js';
import { runLocalCluster } from '../cluster/local/launcher.js';
import { ContinuumNode } from '../runtime/node.js';
import { loadServerFactory } from './load-server.js';
import { addNodeOptions, configFromFlags } from './options.js';
import { watchParent } from '../core/watch-parent.js';

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
  )
    .option('--nodes <n>', 'start a local cluster of n node processes sharing the store, behind a balancer on --port (nodes on port+1..port+n)')
    .action(async (flags) => {
    if (flags.nodes !== undefined) return upLocalCluster(flags);
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
      void node.closed.then(resolve); // drained by an operator (continuum drain)
      watchParent(() => stop('supervisor gone'));
    });
  });
}

/** `continuum up --nodes N`: a demo cluster on one machine. */
async function upLocalCluster(flags: Record<string, string | undefined>): Promise<void> {
  const n = Number(flags.nodes);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new Error(`--nodes takes a whole number from 1 to 16, got ${flags.nodes}`);
  const config = configFromFlags(flags);
  if (config.store === 'sqlite::memory:') throw new Error('--nodes needs a store the nodes can share: a sqlite file or postgres://');
  const pass: string[] = ['--store', config.store, '--region', config.region, '--log-level', config.log.level];
  if (flags.config) pass.push('--config', flags.config);
  if (config.server) pass.push('--server', config.server);
  const cluster = await runLocalCluster({ nodes: n, host: config.host, port: config.port, nodeArgs: pass, log: (l) => process.stderr.write(`continuum: ${l}\n`) });
  process.stderr.write(
    `continuum: local cluster of ${n} nodes behind a balancer; connect to ${cluster.balancer.url}${config.mcp.path}\n` +
      cluster.balancer.backends.map((b) => `  ${b.id}: ${b.base}${config.mcp.path}`).join('\n') +
      `\n  status: continuum cluster status --store ${redactUrl(config.store)}\n`,
  );
  await new Promise<void>((resolve) => {
    const stop = () => void cluster.stop().then(resolve, resolve);
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
