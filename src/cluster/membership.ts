import type { Logger } from 'pino';
import { withTimeout } from '../core/timeout.js';
import type { JsonObject, NodeRecord, Store } from '../store/port.js';

export interface MembershipOptions {
  store: Store;
  nodeId: string;
  region: string;
  url: string;
  /** How often this node heartbeats. */
  intervalMs: number;
  /** A node whose last heartbeat is older than this (store time) counts as down. */
  failAfterMs: number;
  log: Logger;
  /** What the node publishes about itself with each heartbeat. */
  state: () => JsonObject;
  /** Called after every heartbeat attempt: ok, and the store time when it succeeded. */
  onBeat?: (ok: boolean, storeNow: number | null) => void;
}

export interface MemberView extends NodeRecord {
  healthy: boolean;
  /** Milliseconds since its last heartbeat, by the store's clock. */
  ageMs: number;
}

/**
 * Registers this node in the store and heartbeats. Liveness is judged by the store's clock only (the
 * heartbeat's timestamp and `now()` both come from the store), so a node with a skewed clock is judged
 * fairly and cannot make itself look alive.
 */
export class Membership {
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  lastBeatOk = false;
  /** When the last good heartbeat came back (performance.now()), or null before the first. */
  lastOkAt: number | null = null;

  constructor(private readonly o: MembershipOptions) {}

  start(): Promise<void> {
    this.timer = setInterval(() => void this.beat(), this.o.intervalMs);
    this.timer.unref();
    return this.beat();
  }

  beat(): Promise<void> {
    // Bounded: behind a partition a request can hang; an unanswered heartbeat is a failed one.
    this.beating ??= withTimeout(this.o.store.nodes.heartbeat({ id: this.o.nodeId, region: this.o.region, url: this.o.url, state: this.o.state() }), this.o.failAfterMs, 'no heartbeat answer from the store')
      .then(
        (now) => {
          this.lastBeatOk = true;
          this.lastOkAt = performance.now();
          this.o.onBeat?.(true, now);
        },
        (err: Error) => {
          this.lastBeatOk = false;
          this.o.log.warn({ err: err.message }, 'heartbeat failed');
          this.o.onBeat?.(false, null);
        },
      )
      .finally(() => {
        this.beating = undefined;
      });
    return this.beating;
  }

  /** Every registered node with its health, judged against the store's clock. */
  async view(): Promise<MemberView[]> {
    const [nodes, now] = await withTimeout(Promise.all([this.o.store.nodes.list(), this.o.store.now()]), this.o.failAfterMs);
    return nodes.map((n) => ({ ...n, ageMs: Math.max(0, now - n.lastHeartbeat), healthy: now - n.lastHeartbeat <= this.o.failAfterMs }));
  }

  async stop(deregister: boolean): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.beating;
    if (deregister) await this.o.store.nodes.remove(this.o.nodeId).catch(() => undefined);
  }
}

