import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

function hostnameOf(hostHeader: string): string {
  if (hostHeader.startsWith('[')) return hostHeader.slice(0, hostHeader.indexOf(']') + 1);
  const colon = hostHeader.lastIndexOf(':');
  return (colon >= 0 ? hostHeader.slice(0, colon) : hostHeader).toLowerCase();
}

export function isLoopbackBind(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}

export interface OriginPolicy {
  /** Extra origins allowed besides loopback ones; "*" allows every origin. */
  allowedOrigins: string[];
  /** When bound to loopback, Host must be a loopback name or one of these (DNS rebinding). */
  allowedHosts: string[];
  loopbackBind: boolean;
}

/**
 * The MCP spec's DNS-rebinding defence: a browser page on another origin must not reach a local
 * server. Requests without Origin (non-browser clients) pass. Returns a reason when rejected.
 */
export function checkOrigin(req: IncomingMessage, policy: OriginPolicy): string | null {
  const origin = req.headers.origin;
  if (origin !== undefined && !policy.allowedOrigins.includes('*') && !policy.allowedOrigins.includes(origin)) {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `Origin ${JSON.stringify(origin)} is not a valid origin`;
    }
    if (!LOOPBACK_HOSTS.has(url.hostname) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      return `Origin ${origin} is not allowed (add it to mcp.allowedOrigins)`;
    }
  }
  if (policy.loopbackBind) {
    const host = req.headers.host;
    if (!host) return 'Host header is required';
    const name = hostnameOf(host);
    if (!LOOPBACK_HOSTS.has(name) && !policy.allowedHosts.includes(name) && !policy.allowedHosts.includes(host)) {
      return `Host ${host} is not allowed (add it to mcp.allowedHosts)`;
    }
  }
  return null;
}

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

/** Bearer tokens mapped to principals, compared in constant time. */
export class TokenAuth {
  private readonly entries: { hash: Buffer; principal: string }[];

  constructor(tokens: { token: string; principal: string }[]) {
    this.entries = tokens.map((t) => ({ hash: digest(t.token), principal: t.principal }));
  }

  get enabled(): boolean {
    return this.entries.length > 0;
  }

  /** The principal for the request's bearer token, or null when missing or wrong. */
  principalFor(req: IncomingMessage): string | null {
    const header = req.headers.authorization;
    if (!header || !/^Bearer /i.test(header)) return null;
    const presented = digest(header.slice(7).trim());
    let found: string | null = null;
    for (const e of this.entries) if (timingSafeEqual(e.hash, presented)) found = e.principal;
    return found;
  }
}
