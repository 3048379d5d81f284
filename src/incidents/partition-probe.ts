/**
 * The cluster's partition-policy decisions as signals. A split shorter than the policy's first threshold
 * is ridden out without one (the plan: keep operating); once quorum decides, the split is an incident
 * (P2 by default), and once a side fails over it is a regional failure (P1). Both sides report it: the
 * minority journals and pages even when it cannot reach the store.
 */
import type { Decision } from '../cluster/partition.js';
import type { Observation, Probe } from './probes.js';

export class PartitionProbe implements Probe {
  readonly name = 'partition';

  constructor(
    private readonly decision: () => Decision | null,
    private readonly region: string,
  ) {}

  async run(): Promise<Observation[]> {
    const d = this.decision();
    if (!d) return [];
    const split = d.band === 'quorum' || d.band === 'long';
    return [
      {
        key: 'partition',
        kind: 'partition',
        ok: !split,
        summary: split ? `partition for ${Math.round(d.durationMs / 1000)} s: this node (${this.region}) is on the ${d.side} side and will ${d.action}; ${d.reason}` : 'no partition beyond the ride-out threshold',
        components: [`region:${this.region}`],
        labels: { band: d.band, side: d.side, action: d.action, region: this.region },
      },
    ];
  }
}
