import { z } from 'zod';
import type { Clock } from '../../core/clock.js';
import { alertmanagerPayload, alertmanagerSignals } from '../../incidents/alertmanager.js';
import type { Detection, Detector } from '../../incidents/detector.js';
import type { IngestResult } from '../../incidents/service.js';
import { incidentView } from '../../incidents/view.js';
import { route, Status, type Route } from '../route.js';
import { signalBody } from './schemas.js';

/** How long a webhook waits for the store before answering 202 (journaled, paged, stored later). */
const STORE_WAIT_MS = 3_000;

function settleWithin<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  let t: NodeJS.Timeout;
  return Promise.race([p.finally(() => clearTimeout(t)), new Promise<'pending'>((r) => (t = setTimeout(() => r('pending'), ms)))]);
}

async function answer(detections: Detection[]): Promise<Status> {
  const stored = await Promise.all(detections.map((d) => settleWithin(d.stored.catch(() => null), STORE_WAIT_MS)));
  const results = detections.map((d, i) => {
    const s = stored[i] as IngestResult | null | 'pending';
    return {
      journalId: d.id,
      severity: d.classified?.severity ?? null,
      paged: d.paged,
      outcome: d.id === null ? 'unclassified' : s === 'pending' || s === null ? 'journaled' : s.outcome,
      incident: s && s !== 'pending' && s.incident ? incidentView(s.incident) : null,
    };
  });
  // 202 when something waits in the journal for the store: accepted, nothing lost, not yet recorded.
  const waiting = results.some((r) => r.outcome === 'journaled');
  return new Status(waiting ? 202 : 200, { results });
}

export function detectionRoutes(detector: Detector, clock: Clock): Route[] {
  return [
    route<object, object, z.output<typeof alertmanagerPayload>>({
      method: 'POST',
      path: '/v1/alertmanager',
      tag: 'detection',
      summary: 'Prometheus Alertmanager webhook receiver (payload version 4)',
      description:
        'Alerts of one group (groupKey) join one incident; a repeated firing fingerprint is a duplicate; when every alert of ' +
        'the group resolved the incident resolves. Configure Alertmanager with http_config.authorization (a responder token).',
      role: 'responder',
      body: alertmanagerPayload,
      handler: async ({ body }) => {
        const detections: Detection[] = [];
        for (const s of alertmanagerSignals(body, clock.now())) detections.push(await detector.signal(s));
        return answer(detections);
      },
    }),
    route<object, object, z.output<typeof signalBody>>({
      method: 'POST',
      path: '/v1/signals',
      tag: 'detection',
      summary: 'Report a signal; detection rules map it to a severity',
      role: 'responder',
      body: signalBody,
      handler: async ({ body, actor }) =>
        answer([
          await detector.signal({
            kind: body.kind,
            key: body.key,
            summary: body.summary,
            source: `api/${actor.id}`,
            labels: body.labels ?? {},
            components: body.components ?? [],
            at: clock.now(),
            ...(body.severity ? { severity: body.severity } : {}),
            ...(body.resolved ? { resolved: true } : {}),
          }),
        ]),
    }),
  ];
}
