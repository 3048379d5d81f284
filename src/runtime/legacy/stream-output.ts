import { isResponse, type JsonRpcMessage } from '../../protocol/jsonrpc.js';
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

  /**
   * @param onUnwritten called with the seq of a committed event no local connection received: another
   *   node may hold this stream's connection (it is told through the bus and reads the event from the store).
   * @param endAfterResponse end the connection once a JSON-RPC response is written (a POST's stream
   *   followed on a node that does not run its request).
   */
  constructor(
    readonly streamId: string,
    private readonly onUnwritten?: (seq: number) => void,
    private readonly endAfterResponse = false,
  ) {}

  /** The seq this stream's connection has had up to (events after it are still due to it). */
  get position(): number {
    return this.written;
  }

  get attached(): boolean {
    return this.writer?.isOpen ?? false;
  }

  /** A fresh connection that starts with live events only: those committed after `fromSeq`. */
  open(writer: SseWriter, fromSeq: number): void {
    this.writer?.end();
    this.writer = writer;
    this.written = Math.max(this.written, fromSeq);
  }

  /** Writes `message` once `seq` (its commit) resolves, after everything pushed before it. */
  push(seq: Promise<number>, message: JsonRpcMessage): Promise<void> {
    const step = this.tail.then(async () => {
      const s = await seq;
      if (s > this.written && this.writer?.isOpen) this.write(s, message);
      else if (!this.writer?.isOpen) this.onUnwritten?.(s);
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
      for (const e of events) this.write(e.seq, e.message);
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  /** Writes committed events this connection has not had yet (another node committed them). */
  pull(read: (afterSeq: number) => Promise<StoredEvent[]>): Promise<void> {
    const step = this.tail.then(async () => {
      if (!this.writer?.isOpen) return;
      for (const e of await read(this.written)) if (e.seq > this.written) this.write(e.seq, e.message);
    });
    this.tail = step.catch(() => undefined);
    return step;
  }

  private write(seq: number, message: JsonRpcMessage | StoredEvent["message"]): void {
    this.writer!.event(formatEventId(this.streamId, seq), message);
    this.written = seq;
    if (this.endAfterResponse && isResponse(message as JsonRpcMessage)) this.end();
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
