import type { Logger } from 'pino';
import type { Store } from '../store/port.js';
import { LeaderLease } from './leader.js';
import { IsolationTracker } from './isolation.js';
import { Membership, type MemberView } from './membership.js';
import { PartitionTracker, type Decision, type PartitionThresholds } from './partition.js';

export { LeaderLease } from './leader.js';
export { Membership, type MemberView } from './membership.js';
export { decide, PartitionTracker, DEFAULT_THRESHOLDS, type Decision, type Observation, type PartitionThresholds } from './partition.js';

export interface ClusterOptions {
  store: Store;
  nodeId: string;
  region: string;
  url: string;
  log: Logger;
  heartbeatMs: number;
  failAfterMs: number;
  /** A node silent longer than this stops counting as a member at all. */
  memberWindowMs: number;
  leaseTtlMs: number;
  thresholds: PartitionThresholds;
  /** Extra state published with each heartbeat. */
  state: () => Record<string, string | number | boolean | null>;
  onDecision?: (decision: Decision) => void;
  /** Names this process (sent as state.bootId): a restart under the same node id gets a new startedAt. */
  bootId?: string;
  /** Ask the peers whether they reach the store when this node cannot (isolation.ts); off: null. */
  isolationCheck?: { timeoutMs: number } | null;
  /** An operator asked this node to drain (continuum drain <node>). */
  onDrainRequested?: () => void;
  /**
   * Peers that were healthy and are not any more, or came back as a new process: whatever they had
   * committed but not yet announced on the bus will never be announced.
   */
  onPeersLost?: (ids: string[]) => void;
  monotonic?: () => number;
}

/** Bus channel for operator requests to nodes (e.g. { k: 'drain', target: nodeId }). */
export const CONTROL_CHANNEL = 'control';

/** How long a fresh connection may take to answer before this node's store link counts as cut. */
const LINK_PROBE_MS = 2000;

/** The name of the lease singleton work (monitors, schedulers, sweeps) runs under. */
export const LEADER_LEASE = 'continuum/leader';

/**
 * This node's place in the cluster: it heartbeats, watches the others through the store, applies the
 * partition policy to what it sees, and competes for the leader lease.
 */
export class Cluster {
  readonly membership: Membership;
  readonly leader: LeaderLease;
  readonly partition: PartitionTracker;
  private members: { id: string; region: string }[] = [];
  /** Healthy peers at the last view, with the start time of their process. */
  private healthyPeers = new Map<string, number>();
  /** Where the peers of the last view serve (their /mcp URLs), to ask them about the store. */
  private peerUrls = new Map<string, string>();
  readonly isolation: IsolationTracker | null;
  private unsubscribe?: () => Promise<void>;
  private readonly monotonic: () => number;

  constructor(private readonly o: ClusterOptions) {
    this.monotonic = o.monotonic ?? (() => performance.now());
    this.partition = new PartitionTracker(o.thresholds);
    this.membership = new Membership({
      store: o.store,
      nodeId: o.nodeId,
      region: o.region,
      url: o.url,
      intervalMs: o.heartbeatMs,
      failAfterMs: o.failAfterMs,
      log: o.log,
      state: () => ({ ...o.state(), ...(o.bootId ? { bootId: o.bootId } : {}), leader: this.leader.isLeader, partition: this.partition.current.band, side: this.partition.current.side }),
      onBeat: (ok) => void this.observe(ok),
    });
    this.isolation = o.isolationCheck
      ? new IsolationTracker({
          timeoutMs: o.isolationCheck.timeoutMs,
          everyMs: o.heartbeatMs,
          now: this.monotonic,
          linkAlive: () => o.store.linkAlive(LINK_PROBE_MS),
          onChange: (isolated, peers) =>
            isolated
              ? o.log.warn({ peers }, 'this node alone lost the store (its peers reach it): MCP requests get 503 so the balancer retries them elsewhere')
              : o.log.info('this node reaches the store again (or its peers no longer do): serving MCP requests'),
        })
      : null;
    this.leader = new LeaderLease({
      leases: o.store.leases,
      name: LEADER_LEASE,
      holder: o.nodeId,
      ttlMs: o.leaseTtlMs,
      renewEveryMs: Math.max(50, Math.floor(o.leaseTtlMs / 3)),
      log: o.log,
      monotonic: this.monotonic,
    });
  }

  async start(): Promise<void> {
    this.unsubscribe = await this.o.store.bus.subscribe((m) => {
      try {
        if (m.channel === CONTROL_CHANNEL && m.payload.k === 'drain' && m.payload.target === this.o.nodeId) this.o.onDrainRequested?.();
      } catch (err) {
        this.o.log.warn({ err: (err as Error).message }, 'control message failed');
      }
    });
    await this.membership.start();
    // Started means this node has seen its cluster once: a node that loses the store right after starting
    // must know it has peers, or it would judge itself the whole cluster and never a minority.
    await this.observe(this.membership.lastBeatOk);
    await this.leader.start();
  }

  get decision(): Decision {
    return this.partition.current;
  }

  /** Applies the partition policy to the latest view of the cluster. */
  private async observe(storeReachable: boolean): Promise<void> {
    let reachable = [this.o.nodeId];
    if (storeReachable) {
      try {
        const view = await this.membership.view();
        const members = view.filter((n) => n.ageMs <= this.o.memberWindowMs || n.id === this.o.nodeId);
        this.members = members.map((n) => ({ id: n.id, region: n.region }));
        reachable = members.filter((n) => n.healthy || n.id === this.o.nodeId).map((n) => n.id);
        this.notePeers(view);
      } catch {
        storeReachable = false;
      }
    }
    void this.isolation?.observe(storeReachable, () => [...this.healthyPeers.keys()].map((id) => ({ id, url: this.peerUrls.get(id)! })));
    if (!this.members.some((m) => m.id === this.o.nodeId)) this.members.push({ id: this.o.nodeId, region: this.o.region });
    const { decision, changed } = this.partition.observe({ storeReachable, members: this.members, reachable, self: this.o.nodeId }, this.monotonic());
    if (changed) {
      this.o.log.warn({ band: decision.band, side: decision.side, action: decision.action, durationMs: Math.round(decision.durationMs) }, `partition policy: ${decision.reason}`);
      this.o.onDecision?.(decision);
    }
  }

  /** The peers this node saw healthy at its last heartbeat. */
  get healthyPeerIds(): string[] {
    return [...this.healthyPeers.keys()];
  }

  private notePeers(view: MemberView[]): void {
    const healthy = new Map(view.filter((n) => n.healthy && n.id !== this.o.nodeId).map((n) => [n.id, n.startedAt]));
    this.peerUrls = new Map(view.map((n) => [n.id, n.url]));
    const lost = [...this.healthyPeers].filter(([id, startedAt]) => healthy.get(id) !== startedAt).map(([id]) => id);
    this.healthyPeers = healthy;
    if (lost.length > 0) this.o.onPeersLost?.(lost);
  }

  async view(): Promise<MemberView[]> {
    return this.membership.view();
  }

  async stop(deregister = true): Promise<void> {
    this.isolation?.stop();
    await this.unsubscribe?.();
    await this.leader.stop();
    await this.membership.stop(deregister);
  }
}
