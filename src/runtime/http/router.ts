import type { IncomingMessage, ServerResponse } from 'node:http';
import { classifyInboundRequest, PROTOCOL_VERSION_META_KEY, SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/server';
import type { Logger } from 'pino';
import { INTERNAL_ERROR, PARSE_ERROR, SERVER_ERROR } from '../../protocol/jsonrpc.js';
import type { LegacyHttpHandler, LegacyRequest } from '../legacy/http-handler.js';
import type { DeliveryExtra } from '../legacy/session-transport.js';
import { BodyTooLarge, readBody } from './body.js';
import { ISOLATED_MESSAGE } from '../../cluster/isolation.js';
import { sendJson, sendRpcError } from './reply.js';
import { checkOrigin, type OriginPolicy, type TokenAuth } from './security.js';

const LEGACY_VERSIONS = new Set<string>(SUPPORTED_PROTOCOL_VERSIONS);

export interface RouterDeps {
  mcpPath: string;
  maxBodyBytes: number;
  origin: OriginPolicy;
  auth: TokenAuth;
  legacy: LegacyHttpHandler;
  /** Serves 2026-07-28 traffic (the SDK's per-request handler). */
  modern: (req: IncomingMessage, res: ServerResponse, body: unknown) => Promise<void>;
  health: () => Record<string, unknown>;
  readiness: () => Promise<{ ready: boolean; checks: Record<string, unknown> }>;
  /** This node alone lost the store (cluster/isolation.ts): MCP requests get 503 before anything is done. */
  isIsolated?: () => boolean;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** The admin REST API, for paths under /api/ (src/api). */
  api?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** The public status page (src/status-page): answers its own paths (its Statuspage API under
   * /api/v2/ included) and returns false for any other, which then goes on to /api and the 404. */
  page?: (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;
  isDraining: () => boolean;
  /** Called once each response is written. */
  onResponse: (route: string, method: string, status: number, seconds: number) => void;
  log: Logger;
}

function claimsModernEra(message: unknown): boolean {
  const params = (message as { params?: { _meta?: Record<string, unknown> } } | null)?.params;
  return params?._meta !== undefined && PROTOCOL_VERSION_META_KEY in params._meta;
}

/**
 * The common 2025-era request, recognised without the SDK's full classification (which costs tens of
 * microseconds a request): no per-request envelope claim in the body, no modern headers. Anything else
 * goes through classifyInboundRequest, which stays the authority.
 */
function plainlyLegacy(req: IncomingMessage, body: unknown): boolean {
  const version = header(req, 'mcp-protocol-version');
  if ((version !== undefined && !LEGACY_VERSIONS.has(version)) || req.headers['mcp-method'] !== undefined) return false;
  if (body === undefined) return true;
  return Array.isArray(body) ? !body.some(claimsModernEra) : typeof body === 'object' && body !== null && !claimsModernEra(body);
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Paths the router answers itself, before the status page is asked. */
const FIXED_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** The node's HTTP surface: /mcp, /healthz, /readyz, /metrics. */
export function createRouter(d: RouterDeps) {
  async function mcp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    if (method !== 'POST' && method !== 'GET' && method !== 'DELETE') {
      return sendRpcError(res, 405, SERVER_ERROR, `Method ${method} not allowed: use POST, GET or DELETE`, null, { allow: 'GET, POST, DELETE' });
    }
    const rejected = checkOrigin(req, d.origin);
    if (rejected) return sendRpcError(res, 403, SERVER_ERROR, `Forbidden: ${rejected}`);
    let principal: string | null = null;
    if (d.auth.enabled) {
      principal = d.auth.principalFor(req);
      if (!principal) {
        return sendRpcError(res, 401, SERVER_ERROR, 'Unauthorized: send Authorization: Bearer <token>', null, {
          'www-authenticate': 'Bearer realm="continuum"',
        });
      }
    }
    if (d.isDraining()) {
      return sendRpcError(res, 503, SERVER_ERROR, 'Service Unavailable: this node is draining, retry on another node', null, {
        'retry-after': '1',
        connection: 'close',
      });
    }
    if (d.isIsolated?.()) {
      // Nothing was done: safe for the balancer (or the client) to send it to another node.
      return sendRpcError(res, 503, SERVER_ERROR, ISOLATED_MESSAGE, null, { 'retry-after': '1' });
    }
    let body: unknown;
    if (method === 'POST') {
      const type = header(req, 'content-type') ?? '';
      if (!/^application\/json\s*(;|$)/i.test(type)) {
        return sendRpcError(res, 415, SERVER_ERROR, 'Unsupported Media Type: Content-Type must be application/json');
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, d.maxBodyBytes);
      } catch (err) {
        if (err instanceof BodyTooLarge) {
          return sendRpcError(res, 413, SERVER_ERROR, `Payload Too Large: ${err.message}`, null, { connection: 'close' });
        }
        throw err;
      }
      try {
        body = JSON.parse(raw.toString('utf8'));
      } catch (err) {
        return sendRpcError(res, 400, PARSE_ERROR, `Parse error: ${(err as Error).message}`);
      }
    }
    const route = plainlyLegacy(req, body)
      ? { kind: 'legacy' as const }
      : classifyInboundRequest({
          httpMethod: method,
          protocolVersionHeader: header(req, 'mcp-protocol-version'),
          mcpMethodHeader: header(req, 'mcp-method'),
          mcpNameHeader: header(req, 'mcp-name'),
          body,
        });
    const authInfo = principal ? { token: (header(req, 'authorization') ?? '').slice(7).trim(), clientId: principal, scopes: [] } : undefined;
    if (route.kind !== 'legacy') {
      (req as IncomingMessage & { auth?: unknown }).auth = authInfo;
      return d.modern(req, res, body);
    }
    const version = header(req, 'mcp-protocol-version');
    if (version !== undefined && !LEGACY_VERSIONS.has(version)) {
      return sendRpcError(res, 400, SERVER_ERROR, `Bad Request: unsupported MCP-Protocol-Version ${version} (supported: ${[...LEGACY_VERSIONS].join(', ')}, 2026-07-28)`);
    }
    const extra: DeliveryExtra = { authInfo, requestInfo: { headers: req.headers } };
    const r: LegacyRequest = { req, res, body, principal, extra };
    if (method === 'POST') return d.legacy.post(r);
    if (method === 'GET') return d.legacy.get(r);
    return d.legacy.delete(r);
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?', 1)[0];
    const route = path === d.mcpPath ? 'mcp' : path.startsWith('/api/') ? 'api' : FIXED_PATHS.has(path) ? path.slice(1) : 'page';
    const started = performance.now();
    res.once('finish', () => d.onResponse(route, req.method ?? '', res.statusCode, (performance.now() - started) / 1000));
    try {
      if (d.page && path !== d.mcpPath && !FIXED_PATHS.has(path) && (await d.page(req, res))) return;
      if (d.api && path.startsWith('/api/')) return await d.api(req, res);
      switch (path) {
        case d.mcpPath:
          return await mcp(req, res);
        case '/healthz':
          return sendJson(res, 200, { status: 'ok', ...d.health() });
        case '/readyz': {
          const r = await d.readiness();
          return sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r.checks });
        }
        case '/metrics': {
          const m = await d.metrics();
          res.writeHead(200, { 'content-type': m.contentType });
          res.end(m.body);
          return;
        }
        default:
          return sendJson(res, 404, { error: `no route ${path}`, routes: [d.mcpPath, '/healthz', '/readyz', '/metrics'] });
      }
    } catch (err) {
      d.log.error({ err, path }, 'request failed');
      if (!res.headersSent) sendRpcError(res, 500, INTERNAL_ERROR, `Internal error: ${(err as Error).message}`);
      else res.end();
    }
  };
}
