/**
 * The drill's record of what clients saw, kept the way Jepsen keeps a history: every operation with its
 * start and end, and whether it completed (ok), failed, or timed out (unknown). Metrics are computed from
 * it afterwards, never estimated while running.
 */
export type OpKind = 'call' | 'modern' | 'initialize' | 'verify';
export type Outcome = 'ok' | 'fail' | 'unknown';

export interface Op {
  kind: OpKind;
  /** ms since the drill's start (monotonic). */
  start: number;
  end: number;
  outcome: Outcome;
  error?: string;
}

/** A request as a client experiences it: tried until it succeeds; its span covers every retry. */
export interface LogicalCall {
  start: number;
  end: number;
  attempts: number;
  ok: boolean;
}

export class History {
  readonly ops: Op[] = [];
  readonly logical: LogicalCall[] = [];
  private readonly t0 = performance.now();

  /** ms since the drill started. */
  now(): number {
    return performance.now() - this.t0;
  }

  record(op: Op): void {
    this.ops.push(op);
  }

  /** Operations (not verification) that ended in the window [from, to). */
  window(from: number, to: number): Op[] {
    return this.ops.filter((o) => o.kind !== 'verify' && o.end >= from && o.end < to);
  }

  errorRate(from: number, to: number): number {
    const w = this.window(from, to);
    return w.length ? w.filter((o) => o.outcome !== 'ok').length / w.length : 0;
  }

  /**
   * The longest a client waited because of an instant t (a fault): over the logical calls in flight at t
   * or started within `horizon` after it, the time from t (or the call's start) until it succeeded.
   */
  stallAt(t: number, horizon = 1000): number {
    let worst = 0;
    for (const c of this.logical) if (c.end >= t && c.start <= t + horizon) worst = Math.max(worst, c.end - Math.max(c.start, t));
    return worst;
  }

  /**
   * The longest stretch, from t on, in which no request succeeded anywhere (the service as a whole was
   * interrupted), capped at `until`.
   */
  interruptionFrom(t: number, until: number): number {
    const oks = this.ops.filter((o) => o.kind !== 'verify' && o.outcome === 'ok' && o.end >= t && o.end <= until).map((o) => o.end).sort((a, b) => a - b);
    let last = t;
    let worst = 0;
    for (const e of oks) {
      worst = Math.max(worst, e - last);
      last = e;
    }
    return Math.max(worst, until - last);
  }

  /**
   * When clients last felt the fault: the end of the last logical call after t that needed a retry or
   * took longer than `slowMs`. 0 when nothing after t was affected.
   */
  lastImpactAfter(t: number, slowMs: number): number {
    let last = t;
    for (const c of this.logical) if (c.end >= t && (c.attempts > 1 || !c.ok || c.end - c.start > slowMs)) last = Math.max(last, c.end);
    return last - t;
  }

  /** Per-second buckets: requests completed, failed, and latency percentiles. */
  timeline(until: number): { t: number; requests: number; failed: number; p50_ms: number; p99_ms: number }[] {
    const buckets = Array.from({ length: Math.max(1, Math.ceil(until / 1000)) }, () => ({ n: 0, failed: 0, lat: [] as number[] }));
    for (const o of this.ops) {
      if (o.kind === 'verify') continue;
      const b = buckets[Math.min(buckets.length - 1, Math.floor(o.end / 1000))];
      b.n++;
      if (o.outcome !== 'ok') b.failed++;
      else b.lat.push(o.end - o.start);
    }
    return buckets.map((b, i) => ({ t: i, requests: b.n, failed: b.failed, p50_ms: round(percentile(b.lat, 50)), p99_ms: round(percentile(b.lat, 99)) }));
  }
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return 0;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

const round = (n: number) => Math.round(n * 10) / 10;
