import type { ControlEventStore } from '../store/control-port.js';
import { applyEvent } from './events.js';
import { INCIDENT_STREAM_PREFIX, isOpen, type Incident } from './model.js';

const PAGE = 500;

/**
 * Every incident, kept current by reading the control event log from where it last stopped. Seq order
 * is commit order in every adapter, so catching up never skips an event; it serves lists and timers.
 * Decisions about one incident re-read its stream instead (see IncidentService), never this cache.
 */
export class IncidentProjection {
  private readonly incidents = new Map<string, Incident>();
  private lastSeq = 0;
  private running: Promise<void> | null = null;

  constructor(private readonly events: ControlEventStore) {}

  /** Reads what was appended since the last call (one caller at a time; others share its read). */
  catchUp(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = null));
    return this.running;
  }

  async list(filter: { status?: 'open' | 'closed' | 'all' } = {}): Promise<Incident[]> {
    await this.catchUp();
    const status = filter.status ?? 'all';
    return [...this.incidents.values()]
      .filter((i) => status === 'all' || (status === 'open') === isOpen(i.status))
      .sort((a, b) => b.detectedAt - a.detectedAt || (a.id < b.id ? -1 : 1));
  }

  private async read(): Promise<void> {
    for (;;) {
      const batch = await this.events.readAfter(this.lastSeq, PAGE);
      for (const e of batch) {
        this.lastSeq = e.seq;
        if (!e.streamId.startsWith(INCIDENT_STREAM_PREFIX)) continue;
        const id = e.streamId.slice(INCIDENT_STREAM_PREFIX.length);
        const next = applyEvent(this.incidents.get(id) ?? null, e);
        if (next) this.incidents.set(id, next);
      }
      if (batch.length < PAGE) return;
    }
  }
}
