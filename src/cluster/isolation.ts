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
 * node's last good heartbeat is older than the outage. A store that is only slow fails heartbeats
 * unevenly, so a peer may seem to vouch; a fresh connection to it still gets an answer (linkAlive), and
 * only a link that answers nothing counts. When no peer vouches, the store itself is down (or this side
 * of a partition has no store): the partition policy decides, as before.
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

/** While the store is slow but answering, how often to probe the link again. */
const LINK_RECHECK_MS = 10_000;

export interface IsolationOptions {
  /** How long to wait for the peers' answers. */
  timeoutMs: number;
  /** How often to ask them while this node's heartbeats fail. */
  everyMs: number;
  onChange?: (isolated: boolean, peers: string[]) => void;
  /**
   * Whether this node's link to the store carries anything (Store.linkAlive), asked once peers vouch.
   * A store that is only slow (commits waiting on a synchronous standby, a checkpoint) fails heartbeats
   * unevenly, so some peer always seems to reach it; a fresh connection still gets an answer then. Only
   * a link that answers nothing is this node's own fault.
   */
  linkAlive?: () => Promise<boolean>;
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
  private link: { alive: boolean; at: number } | null = null;
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
      this.link = null;
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
      let vouchers = await peersReachingStore(peers(), this.o.timeoutMs, this.now() - this.failingSince);
      if (vouchers.length > 0 && (await this.linkAnswers())) vouchers = [];
      // A good heartbeat while the peers were asked settles it: the store answers this node.
      if (this.goodBeats === before) this.set(vouchers);
    } finally {
      this.checking = false;
    }
  }

  /**
   * The link probe's verdict, asked once per failure (and again every LINK_RECHECK_MS while the link
   * answers): each probe through a cut link may leave a connection half-open on the way, so a node
   * does not keep knocking.
   */
  private async linkAnswers(): Promise<boolean> {
    if (!this.o.linkAlive) return false;
    const now = this.now();
    if (!this.link || (this.link.alive && now - this.link.at >= LINK_RECHECK_MS)) this.link = { alive: await this.o.linkAlive(), at: now };
    return this.link.alive;
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
