/**
 * Replication lag as a signal: the database monitor (src/database/monitor.ts) compares each standby's
 * lag with the RPO target; lag above it means a failover now would lose more than the target allows.
 */
import type { Observation, Probe } from './probes.js';

export interface LagReading {
  firing: boolean;
  summary: string;
}

export class ReplicationLagProbe implements Probe {
  readonly name = 'replication-lag';

  /** `read` returns null while there is nothing to judge (no replication configured, not probed yet). */
  constructor(private readonly read: () => LagReading | null) {}

  async run(): Promise<Observation[]> {
    const lag = this.read();
    if (!lag) return [];
    return [{ key: 'replication-lag', kind: 'replication-lag', ok: !lag.firing, summary: lag.summary, components: ['store'] }];
  }
}
