/** Token buckets per channel on the injected clock (Slack's incoming webhooks allow about 1 message/s). */
import type { Clock } from '../core/clock.js';

interface Bucket {
  perSecond: number;
  burst: number;
  tokens: number;
  at: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly clock: Clock) {}

  set(channel: string, perSecond: number, burst: number): void {
    this.buckets.set(channel, { perSecond, burst, tokens: burst, at: this.clock.now() });
  }

  /** Whole tokens available now (Infinity for an unlimited channel). */
  available(channel: string): number {
    const b = this.refill(channel);
    return b ? Math.floor(b.tokens) : Infinity;
  }

  take(channel: string): boolean {
    const b = this.refill(channel);
    if (!b) return true;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** When the next token arrives (now when one is available). */
  nextAt(channel: string): number {
    const b = this.refill(channel);
    if (!b || b.tokens >= 1) return this.clock.now();
    return b.at + Math.ceil(((1 - b.tokens) / b.perSecond) * 1000);
  }

  private refill(channel: string): Bucket | undefined {
    const b = this.buckets.get(channel);
    if (!b) return undefined;
    const now = this.clock.now();
    if (now > b.at) {
      b.tokens = Math.min(b.burst, b.tokens + ((now - b.at) / 1000) * b.perSecond);
      b.at = now;
    }
    return b;
  }
}
