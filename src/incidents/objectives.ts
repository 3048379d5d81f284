/**
 * Service-level objectives and their error-budget burn rates, after the multiwindow, multi-burn-rate
 * alerts of the SRE workbook: an objective is burning when both a long and a short window burn the
 * budget faster than a factor (defaults: 14.4x over 1 h and 5 min, 6x over 6 h and 30 min). The short
 * window makes the signal stop soon after the problem does; the long one keeps a blip from paging.
 *
 * Two objectives come from the node's own metrics: availability (share of requests not answered 5xx)
 * and latency (share of MCP requests answered within a threshold). Burn rate = bad share / (1 - target).
 */
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Observation, Probe } from './probes.js';

export interface BurnWindow {
  longMs: number;
  shortMs: number;
  factor: number;
}

/** 14.4x over 1 h and 5 min pages for a fast burn (2 % of a 30-day budget in an hour); 6x over 6 h and
 * 30 min for a slower one (5 % in 6 hours). */
export const DEFAULT_BURN_WINDOWS: BurnWindow[] = [
  { longMs: 3_600_000, shortMs: 300_000, factor: 14.4 },
  { longMs: 21_600_000, shortMs: 1_800_000, factor: 6 },
];

export interface Counts {
  total: number;
  bad: number;
}

interface Sample extends Counts {
  at: number;
}

/** Cumulative (total, bad) samples over time; answers the bad share over any recent window. */
export class BurnHistory {
  private readonly samples: Sample[] = [];

  constructor(
    private readonly keepMs: number,
    /** Samples closer together than this are merged (bounds memory at a 1 s probe period). */
    private readonly resolutionMs = 10_000,
  ) {}

  add(at: number, c: Counts): void {
    const last = this.samples.at(-1);
    const beforeLast = this.samples.at(-2);
    // Keep the newest reading, but drop the previous one if it is within the resolution of the one before.
    if (last && beforeLast && last.at - beforeLast.at < this.resolutionMs) this.samples.pop();
    this.samples.push({ at, ...c });
    while (this.samples.length > 2 && this.samples[1].at <= at - this.keepMs) this.samples.shift();
  }

  /** Requests and bad ones in the window ending at the newest sample (from the sample at or before its
   * start, or the oldest one when the history is younger than the window). */
  window(ms: number): Counts {
    const last = this.samples.at(-1);
    if (!last) return { total: 0, bad: 0 };
    let from = this.samples[0];
    for (const s of this.samples) {
      if (s.at <= last.at - ms) from = s;
      else break;
    }
    return { total: last.total - from.total, bad: last.bad - from.bad };
  }
}

export interface ObjectiveSpec {
  /** availability or latency. */
  name: string;
  /** Share of good requests promised, e.g. 0.999. */
  target: number;
  /** Reads the cumulative counts now. */
  read(): Promise<Counts>;
  /** Says what "bad" means, for the summary. */
  describe: string;
}

/** Probes one objective's burn rate against the windows; quiet while traffic is below minRequests in the
 * short window (at very low traffic one failure would look like a burn). */
export class BurnRateProbe implements Probe {
  readonly name: string;
  private readonly history: BurnHistory;

  constructor(
    private readonly spec: ObjectiveSpec,
    private readonly windows: readonly BurnWindow[],
    private readonly minRequests: number,
    private readonly clock: Clock,
  ) {
    this.name = `objective-${spec.name}`;
    this.history = new BurnHistory(Math.max(...windows.map((w) => w.longMs)));
  }

  async run(): Promise<Observation[]> {
    this.history.add(this.clock.now(), await this.spec.read());
    const budget = 1 - this.spec.target;
    const rate = (c: Counts) => (c.total === 0 ? 0 : c.bad / c.total / budget);
    let burning: { w: BurnWindow; long: number; short: number } | null = null;
    let enough = false;
    for (const w of this.windows) {
      const short = this.history.window(w.shortMs);
      if (short.total < this.minRequests) continue;
      enough = true;
      const [l, s] = [rate(this.history.window(w.longMs)), rate(short)];
      if (l > w.factor && s > w.factor) {
        burning = { w, long: l, short: s };
        break;
      }
    }
    if (!enough) return [];
    const target = `${(this.spec.target * 100).toFixed(3).replace(/\.?0+$/, '')}%`;
    const summary = burning
      ? `${this.spec.name} objective (${target}) burning its error budget ${burning.long.toFixed(1)}x over ${minutes(burning.w.longMs)} and ${burning.short.toFixed(1)}x over ${minutes(burning.w.shortMs)} (alert above ${burning.w.factor}x; bad = ${this.spec.describe})`
      : `${this.spec.name} objective (${target}) within budget`;
    return [{ key: `objective:${this.spec.name}`, kind: 'slo-burn', ok: burning === null, summary, components: ['mcp'], labels: { objective: this.spec.name } }];
  }
}

const minutes = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);

/** Availability from continuum_http_requests_total: 5xx answers are bad. */
export function availabilityFrom(registry: Registry): () => Promise<Counts> {
  return async () => {
    const metric = await registry.getSingleMetric('continuum_http_requests_total')?.get();
    let total = 0;
    let bad = 0;
    for (const v of metric?.values ?? []) {
      if (v.labels.route !== 'mcp') continue;
      total += v.value;
      if (Number(v.labels.status) >= 500) bad += v.value;
    }
    return { total, bad };
  };
}

/** Latency from continuum_mcp_request_duration_seconds: requests slower than the threshold are bad. The
 * threshold counts as met up to the smallest bucket bound at or above it. */
export function latencyFrom(registry: Registry, thresholdSeconds: number): () => Promise<Counts> {
  return async () => {
    const metric = await registry.getSingleMetric('continuum_mcp_request_duration_seconds')?.get();
    let total = 0;
    let fast = Infinity;
    for (const v of (metric?.values ?? []) as { value: number; labels: Record<string, string | number>; metricName?: string }[]) {
      if (v.metricName?.endsWith('_count')) total += v.value;
      const le = v.labels.le;
      if (v.metricName?.endsWith('_bucket') && le !== undefined && le !== '+Inf' && Number(le) >= thresholdSeconds) {
        fast = Math.min(fast, v.value);
      }
    }
    if (fast === Infinity) fast = total;
    return { total, bad: Math.max(0, total - fast) };
  };
}
