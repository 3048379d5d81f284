/**
 * Whether this node alone lost the store. From inside, a node cut off from the database cannot tell
 * that from a database outage: both fail its heartbeat. Its peers can. While this node's heartbeats
 * fail, it asks the peers it last saw healthy (their /readyz) when they last reached the store; a peer
 * that did so after this node's failure began vouches that the store is up, and the fault is this
 * node's link. A request sent here would wait on that link until the client gives up, so an isolated
 * node answers MCP requests 503 at once, before doing anything, and the balancer retries them on a node
 * that can serve them (HAProxy `retry-on 503`).
 *
 * "After the failure began" is what keeps a database outage from looking like isolation: then every
 * node's last good heartbeat is older than the outage. When no peer vouches, the store itself is down
 * (or this side of a partition has no store): the partition policy decides, as before.
 */
import { repeat } from '../core/repeat.js';

/** What an isolated node answers MCP requests with (HTTP 503, Retry-After: 1). */
export const ISOLATED_MESSAGE = 'Service Unavailable: this node cannot reach the store (its peers can), retry on another node';

export interface Peer {
  id: string;
  /** The peer's /mcp URL (as it registered); /readyz is asked on the same origin. */
  url: string;
}

/**
 * The ids of the peers that answered /readyz within `timeoutMs` saying they reached the store less than
 * `withinMs` ago (by their own clock: `storeOkAgoMs`).
 */
export async function peersReachingStore(peers: readonly Peer[], timeoutMs: number, withinMs: number): Promise<string[]> {
  const answers = await Promise.all(
    peers.map(async (p) => {
      try {
        const res = await fetch(new URL('/readyz', p.url), { signal: AbortSignal.timeout(timeoutMs) });
        const body = (await res.json()) as { store?: unknown; storeOkAgoMs?: unknown };
        return body.store === 'ok' && typeof body.storeOkAgoMs === 'number' && body.storeOkAgoMs < withinMs ? p.id : null;
      } catch {
        return null; // unreachable, slow or not a Continuum node: it vouches for nothing
      }
    }),
  );
  return answers.filter((id): id is string => id !== null);
}

export interface IsolationOptions {
  /** How long to wait for the peers' answers. */
  timeoutMs: number;
  /** How often to ask them while this node's heartbeats fail. */
  everyMs: number;
  onChange?: (isolated: boolean, peers: string[]) => void;
  /** Monotonic milliseconds (injectable for tests). */
  now?: () => number;
}

/** What request handlers watch: whether this node is isolated, and a call when it becomes so. */
export interface IsolationSignal {
  readonly isolated: boolean;
  /** Calls `fn` when this node becomes isolated; returns the function that stops that. */
  onIsolated(fn: () => void): () => void;
}

/** Isolation across heartbeats: the peers are asked while they fail; a good heartbeat clears it. */
export class IsolationTracker implements IsolationSignal {
  /** Peers that reach the store while this node does not; empty when not isolated. */
  private vouchers: string[] = [];
  private failingSince: number | null = null;
  private loop: { stop(): void } | null = null;
  private checking = false;
  private goodBeats = 0;
  private readonly now: () => number;
  private readonly listeners = new Set<() => void>();

  constructor(private readonly o: IsolationOptions) {
    this.now = o.now ?? (() => performance.now());
  }

  get isolated(): boolean {
    return this.vouchers.length > 0;
  }

  /**
   * After each heartbeat: a good one clears isolation; the first failed one starts asking the peers
   * (resolves when that first round is done).
   */
  observe(storeOk: boolean, peers: () => Peer[]): Promise<void> {
    if (storeOk) {
      this.goodBeats++;
      this.failingSince = null;
      this.stopAsking();
      this.set([]);
      return Promise.resolve();
    }
    if (this.failingSince !== null) return Promise.resolve();
    this.failingSince = this.now();
    this.loop = repeat(this.o.everyMs, () => this.ask(peers), () => undefined);
    return this.ask(peers);
  }

  /** One round of questions to the peers (never two at once). */
  async ask(peers: () => Peer[]): Promise<void> {
    if (this.checking || this.failingSince === null) return;
    this.checking = true;
    const before = this.goodBeats;
    try {
      const vouchers = await peersReachingStore(peers(), this.o.timeoutMs, this.now() - this.failingSince);
      // A good heartbeat while the peers were asked settles it: the store answers this node.
      if (this.goodBeats === before) this.set(vouchers);
    } finally {
      this.checking = false;
    }
  }

  onIsolated(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  stop(): void {
    this.stopAsking();
  }

  private stopAsking(): void {
    this.loop?.stop();
    this.loop = null;
  }

  private set(vouchers: string[]): void {
    const was = this.isolated;
    this.vouchers = vouchers;
    if (was === this.isolated) return;
    this.o.onChange?.(this.isolated, vouchers);
    if (this.isolated) for (const fn of [...this.listeners]) fn();
  }
}
