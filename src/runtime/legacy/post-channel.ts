import type { ServerResponse } from 'node:http';
import { idKey, type JsonRpcMessage, type JsonRpcResponse, type RequestId } from '../../protocol/jsonrpc.js';
import { formatEventId, SseWriter } from './sse.js';
import { StreamOutput } from './stream-output.js';

export interface ChannelOptions {
  streamId: string;
  res: ServerResponse;
  /** Headers every response of this channel carries (Mcp-Session-Id). */
  headers: Record<string, string>;
  /** The POST held a JSON-RPC batch (array): JSON answers go back as an array. */
  batch: boolean;
  /** Whether to send a priming event when the response becomes a stream (2025-11-25 and later). */
  prime: boolean;
  /** Commits an event of this stream; resolves with its seq once durable. */
  commit: (message: JsonRpcMessage) => Promise<number>;
  /** A committed event no connection here received (the client may have resumed on another node). */
  onUnwritten?: (seq: number) => void;
  onDone: (channel: PostChannel) => void;
}

/**
 * The answer to one POST that carried requests. It starts as a plain JSON response and becomes an SSE
 * stream the moment the server sends anything besides the final responses (progress, logs, a
 * server-to-client request), so the common case costs no event commit. Once a stream, every event is
 * committed before it is written, and a client cut off mid-stream resumes it with GET + Last-Event-ID.
 */
export class PostChannel {
  readonly output: StreamOutput;
  private readonly waiting = new Set<string>();
  private readonly collected: JsonRpcResponse[] = [];
  /** The POST's response until it is answered or becomes a stream (checked for `destroyed` before use). */
  private res: ServerResponse | null;
  private streaming = false;
  private finished = false;

  constructor(private readonly opts: ChannelOptions) {
    this.output = new StreamOutput(opts.streamId, opts.onUnwritten);
    this.res = opts.res;
  }

  get streamId(): string {
    return this.opts.streamId;
  }

  get done(): boolean {
    return this.finished;
  }

  expect(id: RequestId): void {
    this.waiting.add(idKey(id));
  }

  /** A response to one of this POST's requests. */
  respond(message: JsonRpcResponse): Promise<void> {
    if (message.id !== null) this.waiting.delete(idKey(message.id));
    if (!this.streaming) {
      this.collected.push(message);
      if (this.waiting.size === 0) this.finishJson();
      return Promise.resolve();
    }
    const written = this.emit(message);
    if (this.waiting.size === 0) void this.finishStream();
    return written;
  }

  /** A message related to one of this POST's requests (progress, log, server-to-client request). */
  related(message: JsonRpcMessage): Promise<void> {
    if (this.finished) return Promise.resolve();
    if (!this.streaming) this.upgrade();
    return this.emit(message);
  }

  /** The client cancelled a request: no response will come for it. */
  cancel(id: RequestId): void {
    this.waiting.delete(idKey(id));
    if (this.waiting.size > 0 || this.finished) return;
    if (this.streaming) void this.finishStream();
    else this.finishJson();
  }

  private upgrade(): void {
    this.streaming = true;
    const res = this.res;
    if (res && !res.headersSent && !res.destroyed) {
      const writer = new SseWriter(res, this.opts.headers);
      if (this.opts.prime) writer.prime(formatEventId(this.streamId, 0));
      this.output.open(writer, 0); // a new stream: all its events are this connection's
    }
    // Responses collected before the upgrade (in a batch) go out as events, in order.
    for (const r of this.collected.splice(0)) void this.emit(r);
  }

  private emit(message: JsonRpcMessage): Promise<void> {
    return this.output.push(this.opts.commit(message), message);
  }

  private async finishStream(): Promise<void> {
    if (this.finished) return;
    this.finished = true;
    await this.output.settled();
    this.output.end();
    this.opts.onDone(this);
  }

  private finishJson(): void {
    if (this.finished) return;
    this.finished = true;
    const res = this.res;
    this.res = null;
    if (res && !res.headersSent && !res.destroyed) {
      if (this.collected.length === 0) {
        res.writeHead(202, this.opts.headers).end();
      } else {
        const text = JSON.stringify(this.opts.batch ? this.collected : this.collected[0]);
        res.writeHead(200, {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(text),
          ...this.opts.headers,
        });
        res.end(text);
      }
    }
    this.opts.onDone(this);
  }
}
