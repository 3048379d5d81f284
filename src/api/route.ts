import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import type { Actor, Role } from '../access/roles.js';

export type Method = 'GET' | 'POST' | 'DELETE';

export interface RouteContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  req: IncomingMessage;
}

/** What a handler returns: the body (status 200, or the route's `status`), or a status with a body. */
export type Reply = unknown;
export class Status {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {}
}

/**
 * One admin API route: method, path (':name' segments), the role it needs ('public' for none), zod
 * schemas for what it reads (validated before the handler runs) and for its answer (documented in the
 * OpenAPI document), and the handler.
 */
export interface Route<P = unknown, Q = unknown, B = unknown> {
  method: Method;
  path: string;
  summary: string;
  description?: string;
  tag: string;
  role: Role | 'public';
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  response?: z.ZodType;
  /** Status of a plain return (default 200). */
  status?: number;
  handler(ctx: RouteContext<P, Q, B>): Promise<Reply>;
}

/** Declares a route with its handler typed from its schemas. */
export function route<P = Record<string, never>, Q = Record<string, never>, B = undefined>(r: Route<P, Q, B>): Route {
  return r as unknown as Route;
}
