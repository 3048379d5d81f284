/**
 * A loopback HTTP receiver for communications tests: keeps raw bodies (JSON, forms), answers as told
 * (`mode`: up, down = 503, hang = never answers), and dedupes on the idempotency key as a careful
 * receiver would (webhook-id, else Idempotency-Key).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Hit {
  path: string;
  headers: IncomingMessage['headers'];
  raw: string;
  /** JSON body, or the form fields, or null. */
  body: Record<string, unknown> | null;
  key: string | null;
  at: number;
}

export type Mode = 'up' | 'down' | 'hang';

export async function startHttpReceiver(opts: { mode?: Mode } = {}) {
  let mode: Mode = opts.mode ?? 'up';
  /** Every request, answered or not. */
  const hits: Hit[] = [];
  /** Requests answered 2xx, first per key only (the receiver's deduped view). */
  const accepted: Hit[] = [];
  const seen = new Set<string>();
  const hanging = new Set<ServerResponse>();
  let waiters: (() => void)[] = [];
  let hangNext = 0;
  let failEvery = 0;
  let counted = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (raw += c));
    req.on('end', () => {
      const type = String(req.headers['content-type'] ?? '');
      let body: Record<string, unknown> | null = null;
      if (type.startsWith('application/json')) body = JSON.parse(raw || '{}') as Record<string, unknown>;
      else if (type.startsWith('application/x-www-form-urlencoded')) body = Object.fromEntries(new URLSearchParams(raw));
      const key = (req.headers['webhook-id'] as string | undefined) ?? (req.headers['idempotency-key'] as string | undefined) ?? null;
      const hit: Hit = { path: req.url ?? '/', headers: req.headers, raw, body, key, at: Date.now() };
      hits.push(hit);
      const notify = () => {
        const w = waiters;
        waiters = [];
        for (const f of w) f();
      };
      if (mode === 'hang' || hangNext > 0) {
        if (hangNext > 0) hangNext--;
        hanging.add(res);
        notify();
        return;
      }
      counted++;
      if (mode === 'down' || (failEvery > 0 && counted % failEvery === 0)) {
        res.writeHead(503, { 'content-type': 'application/json' }).end('{"error":"down"}');
        notify();
        return;
      }
      if (key === null || !seen.has(key)) {
        if (key) seen.add(key);
        accepted.push(hit);
      }
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
      notify();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    hits,
    accepted,
    setMode(m: Mode) {
      mode = m;
    },
    /** Every n-th request from now on gets 503 (0: none). */
    failEvery(n: number) {
      failEvery = n;
      counted = 0;
    },
    /** The next n requests get no answer. */
    hang(n = 1) {
      hangNext = n;
    },
    /** Resolves once `test` holds (checked after every request). */
    async until(test: () => boolean, timeoutMs = 15_000): Promise<void> {
      const deadline = Date.now() + timeoutMs;
      while (!test()) {
        if (Date.now() > deadline) throw new Error(`receiver: condition not met within ${timeoutMs} ms (${hits.length} requests)`);
        await new Promise<void>((r) => {
          const t = setTimeout(r, 200);
          waiters.push(() => {
            clearTimeout(t);
            r();
          });
        });
      }
    },
    close: async () => {
      for (const r of hanging) r.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export type HttpReceiver = Awaited<ReturnType<typeof startHttpReceiver>>;
