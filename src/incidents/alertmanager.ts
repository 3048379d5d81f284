/**
 * Prometheus Alertmanager's webhook (payload version 4) as signals: one per alert, correlated on the
 * group (groupKey), deduplicated on the alert's fingerprint, and resolving the incident when every
 * alert of the group has resolved.
 */
import { z } from 'zod';
import type { Signal } from './signal.js';

const labels = z.record(z.string(), z.string());

export const alertmanagerPayload = z
  .object({
    version: z.literal('4', { error: 'only Alertmanager webhook payload version "4" is understood' }),
    groupKey: z.string().min(1),
    status: z.enum(['firing', 'resolved']),
    receiver: z.string().optional(),
    groupLabels: labels.default({}),
    commonLabels: labels.default({}),
    commonAnnotations: labels.default({}),
    externalURL: z.string().optional(),
    truncatedAlerts: z.number().int().optional(),
    alerts: z
      .array(
        z.object({
          status: z.enum(['firing', 'resolved']),
          labels,
          annotations: labels.default({}),
          startsAt: z.string(),
          endsAt: z.string().optional(),
          generatorURL: z.string().optional(),
          fingerprint: z.string().min(1),
        }),
      )
      .min(1),
  })
  .meta({ id: 'AlertmanagerWebhook', description: 'Alertmanager webhook payload, version 4' });

export type AlertmanagerPayload = z.output<typeof alertmanagerPayload>;

export function alertmanagerSignals(p: AlertmanagerPayload, at: number): Signal[] {
  return p.alerts.map((a) => {
    const name = a.labels.alertname ?? p.commonLabels.alertname ?? 'alert';
    const summary = a.annotations.summary ?? a.annotations.description ?? p.commonAnnotations.summary ?? name;
    const startsAt = Date.parse(a.startsAt);
    const component = a.labels.component ?? a.labels.service ?? a.labels.job;
    return {
      kind: 'alert',
      key: `alertmanager:${p.groupKey}`,
      source: `alertmanager${p.receiver ? `/${p.receiver}` : ''}`,
      summary: `${name}: ${summary}`,
      labels: { ...p.commonLabels, ...a.labels },
      components: component ? [component] : [],
      ...(Number.isFinite(startsAt) && startsAt > 0 ? { startedAt: startsAt } : {}),
      at,
      fingerprint: a.fingerprint,
      ...(a.status === 'resolved' ? { resolved: true, autoResolve: true } : {}),
    };
  });
}
