import { freePort } from './ports.js';
import { fixture, startNode, type NodeProcess } from './node-process.js';

export interface ClusterNode {
  id: string;
  port: number;
  url: string;
  proc: NodeProcess | null;
  /** Starts (or restarts) the node on its port with its id. */
  start(): Promise<void>;
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Fast cluster timings for tests (the defaults suit production). */
export const FAST_CLUSTER_ENV = {
  CONTINUUM_CLUSTER_HEARTBEAT: '100ms',
  CONTINUUM_CLUSTER_FAIL_AFTER: '600ms',
  CONTINUUM_CLUSTER_LEASE_TTL: '1500ms',
};

/** N node processes sharing one store, each on its own fixed port so a restart comes back at the same URL. */
export async function startCluster(
  n: number,
  storeUrl: string,
  opts: { server?: string; env?: Record<string, string>; storeFor?: (i: number) => string } = {},
): Promise<ClusterNode[]> {
  const nodes: ClusterNode[] = [];
  for (let i = 1; i <= n; i++) {
    const port = await freePort();
    const node: ClusterNode = {
      id: `node-${i}`,
      port,
      url: `http://127.0.0.1:${port}/mcp`,
      proc: null,
      async start() {
        node.proc = await startNode(
          ['--port', String(port), '--node-id', node.id, '--store', opts.storeFor?.(i) ?? storeUrl, '--server', opts.server ?? fixture('durable-server')],
          { ...FAST_CLUSTER_ENV, ...opts.env },
        );
      },
      async kill(signal) {
        await node.proc?.kill(signal);
        node.proc = null;
      },
    };
    nodes.push(node);
  }
  await Promise.all(nodes.map((n) => n.start()));
  return nodes;
}

export async function stopCluster(nodes: ClusterNode[]): Promise<void> {
  await Promise.all(nodes.map((n) => n.proc?.kill('SIGKILL')));
}
