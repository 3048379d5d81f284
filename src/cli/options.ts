import type { Command } from 'commander';
import { ConfigError, loadConfig, type ContinuumConfig } from '../config/index.js';

/** The options every command that starts a node shares; each maps to a configuration key. */
export function addNodeOptions(cmd: Command): Command {
  return cmd
    .option('-c, --config <file>', 'YAML configuration file (default: ./continuum.yaml when present)')
    .option('--host <host>', 'address to listen on (config: host, env CONTINUUM_HOST; default 127.0.0.1)')
    .option('-p, --port <port>', 'port to listen on, 0 for any free port (config: port, env CONTINUUM_PORT; default 8080)')
    .option('--store <url>', 'sqlite:<file> or postgres://user@host1,host2/db (config: store, env CONTINUUM_STORE; default sqlite:./.continuum/continuum.db)')
    .option('--node-id <id>', 'this node\'s id (config: nodeId, env CONTINUUM_NODE_ID; default generated)')
    .option('--region <name>', 'region this node runs in (config: region, env CONTINUUM_REGION; default local)')
    .option('--server <module>', 'JS module exporting a factory that returns an McpServer (default export or createServer); Continuum\'s own server when absent')
    .option('--log-level <level>', 'fatal|error|warn|info|debug|trace|silent (config: log.level; default info)');
}

interface NodeFlags {
  config?: string;
  host?: string;
  port?: string;
  store?: string;
  nodeId?: string;
  region?: string;
  server?: string;
  logLevel?: string;
}

/** continuum.yaml, then CONTINUUM_* variables, then these flags. */
export function configFromFlags(flags: NodeFlags): ContinuumConfig {
  return loadConfig({
    file: flags.config,
    flags: {
      host: flags.host,
      port: flags.port,
      store: flags.store,
      nodeId: flags.nodeId,
      region: flags.region,
      server: flags.server,
      log: flags.logLevel ? { level: flags.logLevel } : undefined,
    },
  });
}

export { ConfigError };
