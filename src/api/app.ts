/**
 * The admin REST API under /api: matches a route, authenticates the bearer token and checks its role,
 * reads and validates params, query and body against the route's zod schemas, runs the handler and
 * answers JSON. Every error is JSON `{ error: { code, message, ... } }` whose message says what to do.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { z } from 'zod';
import { roleAllows } from '../access/roles.js';
import type { Logger } from '../log/index.js';
import { BodyTooLarge, readBody } from '../runtime/http/body.js';
import { sendJson } from '../runtime/http/reply.js';
import type { BearerAuth } from './auth.js';
import { ApiError, toApiError } from './errors.js';
import { buildOpenApi } from './openapi.js';
import { Status, type Route } from './route.js';

export const API_PREFIX = '/api';

interface Compiled {
  route: Route;
  pattern: RegExp;
  names: string[];
}

export interface ApiOptions {
  routes: Route[];
  auth: BearerAuth;
  maxBodyBytes: number;
  log: Logger;
  version: string;
}

function compile(route: Route): Compiled {
  const names: string[] = [];
  const source = route.path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/:([A-Za-z]+)/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}$`), names };
}

function issuesOf(where: string, error: z.ZodError): { path: string; message: string }[] {
  return error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message }));
}

function validate<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return value as T;
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues = issuesOf(where, r.error);
  throw new ApiError(400, 'invalid_request', `invalid ${where}: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, { issues });
}

/** Returns the handler for requests whose path starts with /api/. */
export function createApi(o: ApiOptions) {
  const compiled = o.routes.map(compile);
  let openapi: unknown;

  async function readJson(req: IncomingMessage): Promise<unknown> {
    const type = req.headers['content-type'] ?? '';
    const raw = await readBody(req, o.maxBodyBytes).catch((err: unknown) => {
      if (err instanceof BodyTooLarge) throw new ApiError(413, 'payload_too_large', `${err.message}; send a smaller body (api.maxBodyBytes)`, {}, { connection: 'close' });
      throw err;
    });
    if (raw.length === 0) return {};
    if (!/^application\/json\s*(;|$)/i.test(type)) throw new ApiError(415, 'unsupported_media_type', 'send the body as JSON with Content-Type: application/json');
    try {
      return JSON.parse(raw.toString('utf8'));
    } catch (err) {
      throw new ApiError(400, 'invalid_json', `the body is not JSON: ${(err as Error).message}`);
    }
  }

  async function dispatch(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://api.invalid');
    const path = url.pathname.slice(API_PREFIX.length) || '/';
    const method = req.method ?? 'GET';
    if (path === '/openapi.json' && method === 'GET') {
      openapi ??= buildOpenApi(o.routes, o.version);
      return sendJson(res, 200, openapi);
    }
    const matches = compiled.map((c) => ({ c, m: c.pattern.exec(path) })).filter((x) => x.m);
    if (matches.length === 0) throw new ApiError(404, 'no_route', `no route ${path}; GET /api/openapi.json lists every route`);
    const hit = matches.find((x) => x.c.route.method === method);
    if (!hit) {
      const allow = [...new Set(matches.map((x) => x.c.route.method))].join(', ');
      throw new ApiError(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allow}`, {}, { allow });
    }
    const { route, names } = hit.c;
    const actor = route.role === 'public' ? { id: 'anonymous', role: 'viewer' as const } : await o.auth.actorFor(req);
    if (route.role !== 'public' && !roleAllows(actor.role as 'viewer', route.role)) {
      throw new ApiError(403, 'forbidden', `role ${actor.role} may not ${method} ${API_PREFIX}${route.path}: it needs ${route.role} (ask an admin for a token with that role)`);
    }
    const rawParams = Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(hit.m![i + 1])]));
    const params = validate(route.params, rawParams, 'path');
    const query = validate(route.query, Object.fromEntries(url.searchParams), 'query');
    const body = route.body ? validate(route.body, await readJson(req), 'body') : undefined;
    const result = await route.handler({ params, query, body, actor, req });
    if (result instanceof Status) return sendJson(res, result.status, result.body);
    return sendJson(res, route.status ?? 200, result);
  }

  return async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      await dispatch(req, res);
    } catch (err) {
      const e = toApiError(err);
      if (e.status >= 500) o.log.error({ err, path: req.url }, 'admin API request failed');
      sendJson(res, e.status, { error: { code: e.code, message: e.message, ...e.extra } }, e.headers);
    }
  };
}
