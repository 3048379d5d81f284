import type { NewEvent, Store, StoredEvent } from '../../store/port.js';

interface Pending {
  event: NewEvent;
  resolve: (e: StoredEvent) => void;
  reject: (e: unknown) => void;
}

/**
 * Group commit for SSE events: events appended in the same turn of the event loop are committed in one
 * transaction (one fsync), in the order they were appended. Each caller's promise resolves only after
 * its event is durable, so nothing reaches the wire before it is in the store.
 */
export class EventWriter {
  private queue: Pending[] = [];
  private flushing = false;
  private scheduled = false;
  /** Highest seq this node has committed or seen. */
  watermark = 0;

  constructor(private readonly store: Store, private readonly onCommit?: (count: number, seconds: number) => void) {}

  append(event: NewEvent): Promise<StoredEvent> {
    return new Promise((resolve, reject) => {
      this.queue.push({ event, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled || this.flushing) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.flushing) return;
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, 500);
        const started = performance.now();
        try {
          const stored = await this.store.events.appendEvents(batch.map((p) => p.event));
          this.onCommit?.(batch.length, (performance.now() - started) / 1000);
          for (let i = 0; i < batch.length; i++) {
            if (stored[i].seq > this.watermark) this.watermark = stored[i].seq;
            batch[i].resolve(stored[i]);
          }
        } catch (err) {
          for (const p of batch) p.reject(err);
        }
      }
    } finally {
      this.flushing = false;
      if (this.queue.length === 0 && !this.scheduled) for (const w of this.idleWaiters.splice(0)) w();
    }
  }

  private idleWaiters: (() => void)[] = [];

  /** Resolves when everything appended so far is committed (used at shutdown). */
  drain(): Promise<void> {
    if (this.queue.length === 0 && !this.flushing && !this.scheduled) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }
}
