import type { ServerResponse } from 'node:http';

/**
 * SSE event ids name their stream and position: "<streamId>|<seq>". Resuming needs nothing else, and a
 * priming event can carry an id before anything was committed on the stream.
 */
export function formatEventId(streamId: string, seq: number): string {
  return `${streamId}|${seq}`;
}

const STREAM_ID = /^(standalone|post:[A-Za-z0-9_-]{1,64})$/;

export function parseEventId(value: string): { streamId: string; seq: number } | null {
  const bar = value.lastIndexOf('|');
  if (bar <= 0) return null;
  const streamId = value.slice(0, bar);
  const seqText = value.slice(bar + 1);
  if (!STREAM_ID.test(streamId) || !/^\d{1,15}$/.test(seqText)) return null;
  return { streamId, seq: Number(seqText) };
}

/** Writes SSE frames to one HTTP response. */
export class SseWriter {
  private closed = false;
  private keepAlive?: NodeJS.Timeout;

  constructor(
    private readonly res: ServerResponse,
    headers: Record<string, string>,
    keepAliveMs = 15_000,
  ) {
    res.writeHead(200, {
      'content-type': 'text/event-stream',
      'cache-control': 'no-cache, no-transform',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      ...headers,
    });
    res.flushHeaders();
    res.on('close', () => this.markClosed());
    if (keepAliveMs > 0) {
      this.keepAlive = setInterval(() => this.comment('keepalive'), keepAliveMs);
      this.keepAlive.unref();
    }
  }

  get isOpen(): boolean {
    return !this.closed;
  }

  onClose(fn: () => void): void {
    if (this.closed) fn();
    else this.res.on('close', fn);
  }

  /** An event with an id and no data: lets the client resume a stream that has carried nothing yet. */
  prime(id: string, retryMs?: number): void {
    this.write(`id: ${id}\n${retryMs !== undefined ? `retry: ${retryMs}\n` : ''}data: \n\n`);
  }

  event(id: string, data: unknown): void {
    this.write(`id: ${id}\nevent: message\ndata: ${JSON.stringify(data)}\n\n`);
  }

  comment(text: string): void {
    this.write(`: ${text}\n\n`);
  }

  /** Ends the response; `retryMs` tells the client how soon to reconnect (used when draining). */
  end(retryMs?: number): void {
    if (this.closed) return;
    if (retryMs !== undefined) this.write(`retry: ${retryMs}\n\n`);
    this.markClosed();
    this.res.end();
  }

  private write(frame: string): void {
    if (!this.closed) this.res.write(frame);
  }

  private markClosed(): void {
    this.closed = true;
    if (this.keepAlive) clearInterval(this.keepAlive);
  }
}
