import type { Logger } from 'pino';
import type { JsonObject, Lease, LeaseStore } from '../store/port.js';
import { withTimeout } from '../core/timeout.js';

export interface LeaderOptions {
  leases: LeaseStore;
  name: string;
  holder: string;
  ttlMs: number;
  /** How often to try to take or renew; well under ttlMs. */
  renewEveryMs: number;
  log: Logger;
  /** Local monotonic time in ms (injectable for tests). */
  monotonic?: () => number;
  onChange?: (leader: boolean, epoch: number | null) => void;
}

/**
 * Runs singleton work under a lease with a fencing token. This node acts as leader only until
 * `acting deadline` = (local time just before the successful request was sent) + ttl - margin. The
 * store counts the ttl from when it processed the request, which is later, so a node that cannot renew
 * (paused, partitioned, store failing over) stops acting before anyone else can take the lease. Writes
 * made as leader go through `fenced()`, which the store rejects once the epoch is stale.
 */
export class LeaderLease {
  private lease: Lease | null = null;
  private actingUntil = 0;
  private timer?: NodeJS.Timeout;
  private ticking?: Promise<void>;
  private readonly monotonic: () => number;
  private readonly marginMs: number;

  constructor(private readonly o: LeaderOptions) {
    this.monotonic = o.monotonic ?? (() => performance.now());
    this.marginMs = Math.max(50, Math.round(o.ttlMs * 0.2));
  }

  /** True only while this node holds the lease and its local acting deadline has not passed. */
  get isLeader(): boolean {
    return this.lease !== null && this.monotonic() < this.actingUntil;
  }

  get epoch(): number | null {
    return this.isLeader ? this.lease!.epoch : null;
  }

  start(): Promise<void> {
    this.timer = setInterval(() => void this.tick(), this.o.renewEveryMs);
    this.timer.unref();
    return this.tick();
  }

  tick(): Promise<void> {
    this.ticking ??= this.step().finally(() => {
      this.ticking = undefined;
    });
    return this.ticking;
  }

  private async step(): Promise<void> {
    const wasLeader = this.isLeader;
    const sentAt = this.monotonic();
    let next: Lease | null;
    try {
      next = await withTimeout(
        this.lease && wasLeader
          ? this.o.leases.renew(this.o.name, this.o.holder, this.lease.epoch, this.o.ttlMs)
          : this.o.leases.acquire(this.o.name, this.o.holder, this.o.ttlMs),
        this.o.ttlMs,
      );
    } catch (err) {
      // Keep acting until the local deadline set by the last success, no longer.
      this.o.log.warn({ err: (err as Error).message, lease: this.o.name }, 'lease request failed');
      if (!wasLeader) this.lease = null;
      this.report(wasLeader);
      return;
    }
    if (next) {
      this.lease = next;
      this.actingUntil = sentAt + this.o.ttlMs - this.marginMs;
      // Each term leaves a fenced mark: the lease history is the record fencing is checked against.
      if (this.isLeader) await this.fenced({ tick: 'leader', holder: this.o.holder }).catch(() => false);
    } else {
      this.lease = null;
      this.actingUntil = 0;
    }
    this.report(wasLeader);
  }

  private report(wasLeader: boolean): void {
    const now = this.isLeader;
    if (now !== wasLeader) {
      this.o.log.info({ lease: this.o.name, epoch: this.lease?.epoch ?? null }, now ? 'became leader' : 'stopped being leader');
      this.o.onChange?.(now, this.lease?.epoch ?? null);
    }
  }

  /** Records `record` as leader under the current epoch; false when not leader or the epoch is stale. */
  async fenced(record: JsonObject): Promise<boolean> {
    const epoch = this.epoch;
    if (epoch === null) return false;
    return this.o.leases.fencedAppend(this.o.name, epoch, record);
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    if (this.lease && this.isLeader) await this.o.leases.release(this.o.name, this.o.holder, this.lease.epoch).catch(() => undefined);
    this.lease = null;
    this.actingUntil = 0;
  }
}
