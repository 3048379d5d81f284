import type { ControlEvent, ControlEventStore } from './control-port.js';

const PAGE = 500;

/**
 * Every entity of one kind (the streams named `<prefix><id>`), kept current by reading the control event
 * log from where it last stopped. Seq order is commit order in every adapter, so catching up never
 * skips an event. It serves lists and timers; decisions about one entity re-read its stream instead.
 */
export class StreamProjection<T> {
  private readonly items = new Map<string, T>();
  private lastSeq = 0;
  private running: Promise<void> | null = null;

  constructor(
    private readonly events: ControlEventStore,
    private readonly prefix: string,
    private readonly apply: (current: T | null, e: ControlEvent) => T | null,
  ) {}

  /** Reads what was appended since the last call (one caller at a time; others share its read). */
  catchUp(): Promise<void> {
    this.running ??= this.read().finally(() => (this.running = null));
    return this.running;
  }

  /** Every entity, caught up first. */
  async all(): Promise<T[]> {
    await this.catchUp();
    return [...this.items.values()];
  }

  private async read(): Promise<void> {
    for (;;) {
      const batch = await this.events.readAfter(this.lastSeq, PAGE);
      for (const e of batch) {
        this.lastSeq = e.seq;
        if (!e.streamId.startsWith(this.prefix)) continue;
        const id = e.streamId.slice(this.prefix.length);
        const next = this.apply(this.items.get(id) ?? null, e);
        if (next) this.items.set(id, next);
      }
      if (batch.length < PAGE) return;
    }
  }
}
