/**
 * What a drill measures (every key is in the JSON result; docs/drills.md defines each). Criteria name
 * one of these; the unit is shown in the success-criteria table.
 */
export const METRICS = [
  'failover_ms',
  'interruption_ms',
  'recovery_ms',
  'restore_ms',
  'sessions_lost',
  'subscriptions_lost',
  'error_rate',
  'requests_failed',
  'acknowledged_writes_lost',
  'write_outage_ms',
  'steady_state_deviated',
  'activities_failed',
] as const;

export type Metric = (typeof METRICS)[number];

export const METRIC_UNITS: Record<Metric, string> = {
  failover_ms: 'ms',
  interruption_ms: 'ms',
  recovery_ms: 'ms',
  restore_ms: 'ms',
  sessions_lost: 'sessions',
  subscriptions_lost: 'sessions',
  error_rate: '%',
  requests_failed: 'requests',
  acknowledged_writes_lost: 'writes',
  write_outage_ms: 'ms',
  steady_state_deviated: 'probes',
  activities_failed: 'activities',
};
