import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findHaproxy, startHaproxy as startBalancer, type HaproxyTiming } from '../../src/drills/topology/haproxy.js';

export interface Haproxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Faster checks than the drill's: test clusters are small and their nodes mostly idle. */
const TEST_TIMING: HaproxyTiming = { connectTimeout: '100ms', checkTimeout: '1s', inter: '250ms', fastinter: '100ms', fall: 3, rise: 1, slowstart: '0' };

/**
 * The drill harness's HAProxy (configured as deploy/haproxy/haproxy.cfg recommends: round robin, no
 * stickiness, /readyz checks, retries of requests that never reached a node) with test timings; it
 * resolves once HAProxy routes to a ready node.
 */
export async function startHaproxy(backends: { id: string; port: number }[], mcpPath = '/mcp'): Promise<Haproxy> {
  const binary = findHaproxy();
  if (!binary) throw new Error('HAProxy is not installed: apt-get install haproxy (.ci/run installs it)');
  const dir = mkdtempSync(join(tmpdir(), 'continuum-haproxy-'));
  const balancer = await startBalancer(binary, dir, backends, TEST_TIMING);
  return {
    url: `${balancer.url}${mcpPath}`,
    port: Number(new URL(balancer.url).port),
    async stop() {
      await balancer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
