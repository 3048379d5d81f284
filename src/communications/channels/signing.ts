/**
 * Standard Webhooks signing (https://www.standardwebhooks.com): headers webhook-id (the message's
 * idempotency key, the same on every retry so receivers dedupe), webhook-timestamp (seconds) and
 * webhook-signature "v1,<base64 HMAC-SHA256 of id.timestamp.body>", one per secret (rotation).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const TOLERANCE_S = 5 * 60;

function keyOf(secret: string): Buffer {
  if (!secret.startsWith('whsec_')) throw new Error('a Standard Webhooks secret starts with whsec_');
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

export function sign(secret: string, id: string, timestampS: number, body: string): string {
  return 'v1,' + createHmac('sha256', keyOf(secret)).update(`${id}.${timestampS}.${body}`).digest('base64');
}

export function signatureHeaders(secrets: readonly string[], id: string, timestampS: number, body: string): Record<string, string> {
  const headers: Record<string, string> = { 'webhook-id': id, 'webhook-timestamp': String(timestampS) };
  if (secrets.length > 0) headers['webhook-signature'] = secrets.map((s) => sign(s, id, timestampS, body)).join(' ');
  return headers;
}

/** Verifies as a receiver would: any listed v1 signature matches and the timestamp is within tolerance. */
export function verify(secret: string, headers: Record<string, string | string[] | undefined>, body: string, nowS = Math.floor(Date.now() / 1000)): boolean {
  const h = (k: string) => {
    const v = headers[k];
    return Array.isArray(v) ? v[0] : v;
  };
  const id = h('webhook-id');
  const ts = Number(h('webhook-timestamp'));
  const sigs = h('webhook-signature');
  if (!id || !Number.isInteger(ts) || !sigs || Math.abs(nowS - ts) > TOLERANCE_S) return false;
  const expected = Buffer.from(sign(secret, id, ts, body));
  return sigs.split(' ').some((s) => {
    const got = Buffer.from(s);
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}
