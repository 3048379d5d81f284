/**
 * The continuity plan's network partition procedure, in code:
 *   partition < 30 s   continue operating, no failover;
 *   30-60 s            quorum decides: the side with a majority of nodes (of regions, when configured)
 *                      keeps leadership and accepts new sessions; the minority stops taking new work;
 *   > 60 s             fail over to the healthy side: the minority reports not-ready (balancers route
 *                      away) and drains.
 * A node observes the cluster through the store: nodes whose heartbeats are fresh are on its side; when
 * it cannot reach the store at all it is alone. The thresholds are configurable.
 */

export interface PartitionThresholds {
  /** Below this, a partition is ridden out. */
  shortMs: number;
  /** From this on, the minority fails over. */
  longMs: number;
  /** Count the majority in nodes or in regions. */
  quorumBy: 'nodes' | 'regions';
}

export const DEFAULT_THRESHOLDS: PartitionThresholds = { shortMs: 30_000, longMs: 60_000, quorumBy: 'nodes' };

export interface Observation {
  /** Whether this node's last heartbeat reached the store. */
  storeReachable: boolean;
  /** Every member known recently (including this node), with its region. */
  members: { id: string; region: string }[];
  /** Members this node can currently see as alive (fresh heartbeats; just itself when the store is unreachable). */
  reachable: string[];
  self: string;
}

export type Band = 'none' | 'short' | 'quorum' | 'long';
export type Side = 'whole' | 'majority' | 'minority';
export type Action = 'operate' | 'stop-new-work' | 'failover';

export interface Decision {
  band: Band;
  side: Side;
  action: Action;
  /** How long the current partition has lasted (0 when none). */
  durationMs: number;
  reason: string;
}

function sideOf(o: Observation, by: PartitionThresholds['quorumBy']): { side: Side; have: number; of: number } {
  const reachable = new Set(o.reachable);
  if (by === 'regions') {
    const regions = new Set(o.members.map((m) => m.region));
    const seen = new Set(o.members.filter((m) => reachable.has(m.id)).map((m) => m.region));
    const side = seen.size === regions.size ? 'whole' : seen.size * 2 > regions.size ? 'majority' : 'minority';
    return { side, have: seen.size, of: regions.size };
  }
  const total = o.members.length;
  const have = o.members.filter((m) => reachable.has(m.id)).length;
  const side = have === total ? 'whole' : have * 2 > total ? 'majority' : 'minority';
  return { side, have, of: total };
}

/** The decision for one observation, given how long the cluster has been split. */
export function decide(o: Observation, splitForMs: number | null, t: PartitionThresholds = DEFAULT_THRESHOLDS): Decision {
  const { side, have, of } = sideOf(o, t.quorumBy);
  const unit = t.quorumBy === 'regions' ? 'regions' : 'nodes';
  if (side === 'whole' || splitForMs === null) {
    return { band: 'none', side: 'whole', action: 'operate', durationMs: 0, reason: `all ${of} ${unit} reachable` };
  }
  const seen = `${have} of ${of} ${unit} reachable${o.storeReachable ? '' : ' (store unreachable)'}`;
  if (splitForMs < t.shortMs) {
    return { band: 'short', side, action: 'operate', durationMs: splitForMs, reason: `${seen}; under ${t.shortMs / 1000} s: keep operating` };
  }
  if (splitForMs < t.longMs) {
    return side === 'majority'
      ? { band: 'quorum', side, action: 'operate', durationMs: splitForMs, reason: `${seen}; majority keeps leadership and new sessions` }
      : { band: 'quorum', side, action: 'stop-new-work', durationMs: splitForMs, reason: `${seen}; minority stops taking new work` };
  }
  return side === 'majority'
    ? { band: 'long', side, action: 'operate', durationMs: splitForMs, reason: `${seen}; over ${t.longMs / 1000} s: this side is the healthy one` }
    : { band: 'long', side, action: 'failover', durationMs: splitForMs, reason: `${seen}; over ${t.longMs / 1000} s: fail over, report not ready and drain` };
}

/** Tracks when the current split began and turns observations into decisions. */
export class PartitionTracker {
  private splitSince: number | null = null;
  current: Decision = { band: 'none', side: 'whole', action: 'operate', durationMs: 0, reason: 'starting' };

  constructor(private readonly thresholds: PartitionThresholds = DEFAULT_THRESHOLDS) {}

  /** `now` is local monotonic time: durations need no agreement between clocks. */
  observe(o: Observation, now: number): { decision: Decision; changed: boolean } {
    const whole = sideOf(o, this.thresholds.quorumBy).side === 'whole';
    if (whole) this.splitSince = null;
    else this.splitSince ??= now;
    const decision = decide(o, this.splitSince === null ? null : now - this.splitSince, this.thresholds);
    const changed = decision.band !== this.current.band || decision.side !== this.current.side || decision.action !== this.current.action;
    this.current = decision;
    return { decision, changed };
  }
}
