import type { JsonRpcMessage } from '../../protocol/jsonrpc.js';
import type { StoredEvent } from '../../store/port.js';
import { formatEventId, SseWriter } from './sse.js';

/**
 * The wire side of one logical SSE stream (a session's standalone GET stream, or one POST's stream).
 * Events are written in the order they were committed; a resuming connection gets the committed
 * events after its Last-Event-ID first, then live ones, each exactly once (seq dedupes the overlap).
 */
export class StreamOutput {
  private writer: SseWriter | null = null;
  private tail: Promise<void> = Promise.resolve();
  /** Highest seq written to the current writer (or replayed to it). */
  private written = 0;

  constructor(readonly streamId: string) {}

  get attached(): boolean {
    return this.writer?.isOpen ?? false;
  }

  /** A fresh connection that starts with live events only. */
  open(writer: SseWriter): void {
    this.writer?.end();
    this.writer = writer;
  }

  /** Writes `message` once `seq` (its commit) resolves, after everything pushed before it. */
  push(seq: Promise<number>, message: JsonRpcMessage): Promise<void> {
    const step = this.tail.then(async () => {
      const s = await seq;
      if (s > this.written && this.writer?.isOpen) {
        this.writer.event(formatEventId(this.streamId, s), message);
        this.written = s;
      }
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  /** Replays committed events after `afterSeq` to `writer`, then makes it the live connection. */
  resume(writer: SseWriter, afterSeq: number, read: (afterSeq: number) => Promise<StoredEvent[]>): Promise<void> {
    const step = this.tail.then(async () => {
      const events = await read(afterSeq);
      this.writer?.end();
      this.writer = writer;
      this.written = afterSeq;
      for (const e of events) {
        writer.event(formatEventId(this.streamId, e.seq), e.message);
        this.written = e.seq;
      }
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  /** Resolves after every pushed event was written (or failed). */
  settled(): Promise<void> {
    return this.tail;
  }

  end(retryMs?: number): void {
    this.writer?.end(retryMs);
    this.writer = null;
  }
}
