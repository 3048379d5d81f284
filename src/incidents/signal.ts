import type { RuleConfig } from './config.js';
import type { Severity } from './model.js';

/**
 * Something a detector saw: a probe result, an Alertmanager alert, a manual report. `key` correlates
 * signals to an incident: while an incident holding the key is open, a signal with it joins that
 * incident instead of opening another.
 */
export interface Signal {
  /** all-nodes-down, region-down, store-unreachable, slo-burn, synthetic-failed, component-down, alert... */
  kind: string;
  key: string;
  /** What produced it: probe:store, alertmanager, api... */
  source: string;
  summary: string;
  labels: Record<string, string>;
  components: string[];
  /** When the condition started (an alert's startsAt); defaults to `at`. */
  startedAt?: number;
  at: number;
  /** The condition ended (an alert resolved, a probe recovered). */
  resolved?: boolean;
  /** Resolve the incident when every alert joined to it resolved (Alertmanager). */
  autoResolve?: boolean;
  /** Alertmanager fingerprint: a repeat of a firing fingerprint is a duplicate. */
  fingerprint?: string;
  /** Severity asked for by the sender; used only when no rule matches. */
  severity?: Severity;
}

export interface Classified {
  severity: Severity;
  title: string;
}

/** Severity and title for a signal: the first rule that matches, else the sender's severity, else null. */
export function classify(signal: Signal, rules: readonly RuleConfig[]): Classified | null {
  const rule = rules.find((r) => r.kind === signal.kind && Object.entries(r.labels).every(([k, v]) => signal.labels[k] === v));
  const severity = rule?.severity ?? signal.severity;
  if (!severity) return null;
  const template = rule?.title ?? '{summary}';
  return { severity, title: template.replaceAll('{summary}', signal.summary).replaceAll('{key}', signal.key).slice(0, 200) };
}

/** The dedup key pages about a signal-opened incident carry: the same on every node that sees it. */
export const signalDedupKey = (signal: Pick<Signal, 'key'>): string => `continuum:${signal.key}`;
