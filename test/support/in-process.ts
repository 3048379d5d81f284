import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig, type ContinuumConfigInput } from '../../src/config/index.js';
import type { Clock } from '../../src/core/clock.js';
import { createLogger } from '../../src/log/index.js';
import type { ServerFactory } from '../../src/runtime/legacy/server-factory.js';
import { ContinuumNode } from '../../src/runtime/node.js';

/** A node in this process on a fresh SQLite file and a free port; `close()` stops it and removes the file. */
export async function startInProcess(opts: { factory?: ServerFactory; config?: ContinuumConfigInput; clock?: Clock } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'continuum-test-'));
  const node = await ContinuumNode.start({
    config: parseConfig({ port: 0, store: `sqlite:${join(dir, 'c.db')}`, ...opts.config }),
    factory: opts.factory,
    clock: opts.clock,
    log: createLogger('silent'),
  });
  return {
    node,
    url: node.url,
    dir,
    async close() {
      await node.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const MCP_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

export const initializeBody = (id: number | string = 1, protocolVersion = '2025-11-25', capabilities: Record<string, unknown> = {}) => ({
  jsonrpc: '2.0',
  id,
  method: 'initialize',
  params: { protocolVersion, capabilities, clientInfo: { name: 'raw', version: '1' } },
});

/** Initializes a session with plain fetch and returns its id. */
export async function rawSession(url: string, headers: Record<string, string> = {}): Promise<string> {
  const res = await fetch(url, { method: 'POST', headers: { ...MCP_HEADERS, ...headers }, body: JSON.stringify(initializeBody()) });
  if (res.status !== 200) throw new Error(`initialize answered ${res.status}: ${await res.text()}`);
  const id = res.headers.get('mcp-session-id');
  if (!id) throw new Error('no Mcp-Session-Id');
  await fetch(url, {
    method: 'POST',
    headers: { ...MCP_HEADERS, ...headers, 'mcp-session-id': id },
    body: JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }),
  });
  return id;
}

/** A plain node:http request (fetch will not send a Host header of our choosing). */
export function httpRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string; timeoutMs?: number },
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; text: string }> {
  return import('node:http').then(
    ({ request }) =>
      new Promise((resolve, reject) => {
        const req = request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text }));
        });
        req.on('error', reject);
        req.setTimeout(opts.timeoutMs ?? 30_000, () => req.destroy(new Error(`no answer within ${opts.timeoutMs ?? 30_000} ms`)));
        req.end(opts.body);
      }),
  );
}
