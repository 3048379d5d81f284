/**
 * The nodes the node-health probe watches: the configured list, plus every node registered in the
 * cluster's store (membership) that heartbeated within `forgetAfter`. While the store is down the last
 * list read is kept, so a node dying during a database failover is still seen. A node that shut down
 * cleanly deregistered and is not watched; one silent for longer than `forgetAfter` (a crashed node
 * with a generated id that never came back) stops being watched: its open incident stays for people.
 */
import { withTimeout } from '../core/timeout.js';
import type { Store } from '../store/port.js';
import type { NodeTarget } from './probes.js';

export class ClusterTargets {
  private known: NodeTarget[] = [];

  constructor(
    private readonly store: Store,
    private readonly configured: readonly NodeTarget[],
    private readonly forgetAfterMs: number,
    private readonly timeoutMs: number,
  ) {}

  /** The members as last read (empty before the first read). */
  get lastKnown(): NodeTarget[] {
    return [...this.known];
  }

  async list(): Promise<NodeTarget[]> {
    try {
      const [nodes, now] = await withTimeout(Promise.all([this.store.nodes.list(), this.store.now()]), this.timeoutMs, 'the store did not answer');
      this.known = nodes.filter((n) => now - n.lastHeartbeat <= this.forgetAfterMs).map((n) => ({ id: n.id, region: n.region, url: n.url }));
    } catch {
      // The store probe reports the store; keep watching the nodes last seen.
    }
    const ids = new Set(this.configured.map((n) => n.id));
    return [...this.configured, ...this.known.filter((n) => !ids.has(n.id))];
  }
}
