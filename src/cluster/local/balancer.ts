import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Backend {
  id: string;
  /** Base URL, e.g. http://127.0.0.1:8081 */
  base: string;
  healthy: boolean;
}

export interface BalancerOptions {
  host: string;
  port: number;
  backends: { id: string; base: string }[];
  /** How often each backend's /readyz is checked. */
  checkEveryMs?: number;
  maxBodyBytes?: number;
}

/**
 * A small round-robin HTTP balancer for the local demo cluster (`continuum up --nodes N`), so it runs
 * with nothing but Node. No stickiness: any node serves any session. Backends are routed to while their
 * /readyz answers 200; a request whose connection is refused goes to the next backend (nothing was
 * sent, so retrying is safe). Production deployments use HAProxy (deploy/haproxy) or a Kubernetes Service.
 */
export class LocalBalancer {
  readonly backends: Backend[];
  private server?: Server;
  private timer?: NodeJS.Timeout;
  private next = 0;
  // No cap on sockets per node (idle ones are capped): every open SSE stream holds a socket, and a cap
  // would queue new requests behind long-lived streams.
  private readonly agent = new Agent({ keepAlive: true, maxFreeSockets: 256 });

  constructor(private readonly o: BalancerOptions) {
    this.backends = o.backends.map((b) => ({ ...b, healthy: true }));
  }

  get url(): string {
    const a = this.server!.address() as AddressInfo;
    return `http://${a.address}:${a.port}`;
  }

  async start(): Promise<void> {
    await this.checkAll();
    this.timer = setInterval(() => void this.checkAll(), this.o.checkEveryMs ?? 500);
    this.timer.unref();
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      this.server!.once('error', reject);
      this.server!.listen(this.o.port, this.o.host, () => resolve());
    });
  }

  private async checkAll(): Promise<void> {
    await Promise.all(
      this.backends.map(async (b) => {
        try {
          const r = await fetch(`${b.base}/readyz`, { signal: AbortSignal.timeout(1000) });
          b.healthy = r.status === 200;
          await r.arrayBuffer();
        } catch {
          b.healthy = false;
        }
      }),
    );
  }

  private pick(exclude: Set<string>): Backend | undefined {
    const candidates = this.backends.filter((b) => b.healthy && !exclude.has(b.id));
    const pool = candidates.length ? candidates : this.backends.filter((b) => !exclude.has(b.id));
    if (pool.length === 0) return undefined;
    return pool[this.next++ % pool.length];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > (this.o.maxBodyBytes ?? 8 * 1024 * 1024)) {
        res.writeHead(413).end();
        return;
      }
      chunks.push(c as Buffer);
    }
    const body = Buffer.concat(chunks);
    const tried = new Set<string>();
    for (;;) {
      const backend = this.pick(tried);
      if (!backend) {
        res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
        res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Service Unavailable: no node is reachable' } }));
        return;
      }
      tried.add(backend.id);
      const outcome = await this.forward(backend, req, res, body);
      if (outcome === 'refused') {
        backend.healthy = false;
        continue;
      }
      return;
    }
  }

  /** Proxies one request; 'refused' when the backend could not be reached at all (safe to retry). */
  private forward(b: Backend, req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<'done' | 'refused'> {
    return new Promise((resolve) => {
      const headers = { ...req.headers, 'x-forwarded-for': req.socket.remoteAddress ?? '' };
      const up = request(`${b.base}${req.url ?? '/'}`, { method: req.method, headers, agent: this.agent }, (upRes) => {
        res.writeHead(upRes.statusCode ?? 502, upRes.headers);
        upRes.pipe(res);
        upRes.on('end', () => resolve('done'));
        upRes.on('error', () => {
          res.destroy();
          resolve('done');
        });
      });
      res.on('close', () => up.destroy());
      up.on('error', (err: NodeJS.ErrnoException) => {
        // Refused: nothing reached the node. A reset GET sent nothing that changes state. Both retry elsewhere.
        const retryable = err.code === 'ECONNREFUSED' || (err.code === 'ECONNRESET' && req.method === 'GET');
        if (!res.headersSent && retryable) return resolve('refused');
        if (!res.headersSent) {
          res.writeHead(502, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32000, message: `Bad Gateway: node ${b.id} failed: ${err.code ?? err.message}` } }));
        } else res.destroy();
        resolve('done');
      });
      up.end(body);
    });
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.agent.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
  }
}
