/**
 * Server-sent events for open pages: each gets the page's version on connect and whenever it changes;
 * the page's script fetches the new content itself. A comment every 15 s keeps proxies from closing
 * idle streams.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

const HEARTBEAT_MS = 15_000;
/** Open streams one node serves at most; more get 503 and the page simply stays static. */
const MAX_CLIENTS = 5_000;

export class LiveHub {
  private readonly clients = new Set<ServerResponse>();
  private heartbeat: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly version: () => string) {}

  get size(): number {
    return this.clients.size;
  }

  serve(req: IncomingMessage, res: ServerResponse): void {
    if (this.closed || this.clients.size >= MAX_CLIENTS) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '30' });
      res.end('too many live connections; the page still works without them\n');
      return;
    }
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no', connection: 'keep-alive' });
    res.write(`retry: 2000\nevent: version\ndata: ${this.version()}\n\n`);
    this.clients.add(res);
    const drop = () => this.clients.delete(res);
    req.on('close', drop);
    res.on('close', drop);
    this.heartbeat ??= setInterval(() => this.each(': ping\n\n'), HEARTBEAT_MS).unref();
  }

  publish(version: string): void {
    this.each(`event: version\ndata: ${version}\n\n`);
  }

  /** Ends every stream (the page's script reconnects, to another node if this one is going away). */
  close(): void {
    this.closed = true;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = null;
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private each(chunk: string): void {
    for (const res of this.clients) res.write(chunk);
  }
}
