import type { Role } from '../../src/access/roles.js';
import type { ContinuumConfigInput } from '../../src/config/index.js';
import type { Clock } from '../../src/core/clock.js';
import { startInProcess } from './in-process.js';

/** Parsed JSON answers, which tests read loosely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

/** An in-process node with detection and timers off (tests drive them), and helpers to call /api. */
export async function startApiNode(opts: { config?: ContinuumConfigInput; clock?: Clock } = {}) {
  const incidents = { ...(opts.config?.incidents ?? {}) } as Record<string, unknown>;
  const n = await startInProcess({
    clock: opts.clock,
    config: {
      ...opts.config,
      incidents: { ...incidents, detection: { enabled: false, ...(incidents.detection as object) }, timers: { enabled: false } },
    } as ContinuumConfigInput,
  });
  const base = n.url.replace(/\/mcp$/, '');
  const tokens: Partial<Record<Role, string>> = {};
  for (const role of ['viewer', 'responder', 'admin'] as const) {
    tokens[role] = (await n.node.control.tokens.create(`${role}-token`, role, { id: 'cli:test', role: 'admin' })).secret;
  }
  async function call(method: string, path: string, opts2: { token?: string | null; body?: unknown; headers?: Record<string, string> } = {}) {
    const headers: Record<string, string> = { ...opts2.headers };
    if (opts2.token !== null) headers.authorization = `Bearer ${opts2.token ?? tokens.admin}`;
    if (opts2.body !== undefined) headers['content-type'] ??= 'application/json';
    const res = await fetch(`${base}/api${path}`, { method, headers, body: opts2.body === undefined ? undefined : typeof opts2.body === 'string' ? opts2.body : JSON.stringify(opts2.body) });
    const text = await res.text();
    return { status: res.status, headers: res.headers, json: (text ? JSON.parse(text) : null) as Json };
  }
  return { ...n, base, tokens: tokens as Record<Role, string>, call };
}
