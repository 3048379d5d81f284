/** What every channel implements: one delivery attempt of one committed message. */
import type { JsonObject } from '../../store/port.js';
import type { ChannelType } from '../config.js';

export interface Envelope {
  idempotencyKey: string;
  recipient: string | null;
  content: JsonObject;
  /** 1 for the first attempt. */
  attempt: number;
}

export interface Delivery {
  ok: boolean;
  status?: number;
  error?: string;
  /** The receiver asked to wait (HTTP 429/503 Retry-After). */
  retryAfterMs?: number;
}

export interface Channel {
  readonly name: string;
  readonly type: ChannelType;
  readonly timeoutMs: number;
  send(envelope: Envelope): Promise<Delivery>;
  close?(): Promise<void>;
}

/** Retry-After as seconds or an HTTP date; undefined when absent or unreadable. */
export function retryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const s = Number(header);
  if (Number.isFinite(s)) return Math.max(0, s * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** POSTs with a timeout; 2xx is delivered, anything else (or no answer) is a failed attempt. */
export async function post(url: string, body: string, headers: Record<string, string>, timeoutMs: number): Promise<Delivery> {
  try {
    const res = await fetch(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer().catch(() => undefined);
    if (res.ok) return { ok: true, status: res.status };
    const wait = res.status === 429 || res.status === 503 ? retryAfter(res.headers.get('retry-after'), Date.now()) : undefined;
    return { ok: false, status: res.status, error: `HTTP ${res.status}`, ...(wait !== undefined ? { retryAfterMs: wait } : {}) };
  } catch (err) {
    const e = err as Error & { cause?: { code?: string } };
    const reason = e.name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (e.cause?.code ?? e.message);
    return { ok: false, error: reason };
  }
}
