import type { ControlEventStore } from '../store/control-port.js';
import { StreamProjection } from '../store/stream-projection.js';
import { applyEvent } from './events.js';
import { INCIDENT_STREAM_PREFIX, isOpen, type Incident } from './model.js';

/**
 * Every incident, caught up from the control event log; it serves lists and timers. Decisions about one
 * incident re-read its stream instead (see IncidentService), never this cache.
 */
export class IncidentProjection extends StreamProjection<Incident> {
  constructor(events: ControlEventStore) {
    super(events, INCIDENT_STREAM_PREFIX, applyEvent);
  }

  async list(filter: { status?: 'open' | 'closed' | 'all' } = {}): Promise<Incident[]> {
    const status = filter.status ?? 'all';
    return (await this.all())
      .filter((i) => status === 'all' || (status === 'open') === isOpen(i.status))
      .sort((a, b) => b.detectedAt - a.detectedAt || (a.id < b.id ? -1 : 1));
  }
}
