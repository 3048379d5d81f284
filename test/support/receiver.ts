import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedPage {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * A paging receiver on 127.0.0.1 (PagerDuty's /v2/enqueue or a generic webhook): records every POST and
 * answers 202, or `status` when set.
 */
export async function startReceiver(opts: { status?: number } = {}) {
  const received: ReceivedPage[] = [];
  const waiters: { test: (p: ReceivedPage[]) => boolean; resolve: () => void }[] = [];
  const server: Server = createServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (text += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '/', headers: req.headers, body: JSON.parse(text || '{}') as Record<string, unknown> });
      res.writeHead(opts.status ?? 202, { 'content-type': 'application/json' });
      res.end('{"status":"success"}');
      for (const w of waiters.filter((w) => w.test(received))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    base,
    pagerDuty: `${base}/v2/enqueue`,
    webhook: `${base}/hook`,
    /** Resolves once the received pages satisfy `test`. */
    until(test: (pages: ReceivedPage[]) => boolean): Promise<void> {
      if (test(received)) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ test, resolve }));
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

export type Receiver = Awaited<ReturnType<typeof startReceiver>>;
