import { z } from 'zod';
import type { AuditLog } from '../../access/audit-log.js';
import { ROLES } from '../../access/roles.js';
import type { TokenService } from '../../access/tokens.js';
import { route, type Route } from '../route.js';

const tokenView = z
  .object({ id: z.string(), name: z.string(), role: z.enum(ROLES), createdAt: z.string(), createdBy: z.string(), revokedAt: z.string().nullable(), revokedBy: z.string().nullable() })
  .meta({ id: 'Token' });

const auditEntry = z
  .object({ position: z.number(), at: z.string(), actor: z.string(), role: z.string(), action: z.string(), target: z.string(), details: z.record(z.string(), z.unknown()), prevHash: z.string(), hash: z.string() })
  .meta({ id: 'AuditEntry' });

export function accessRoutes(tokens: TokenService, audit: AuditLog): Route[] {
  return [
    route({
      method: 'GET',
      path: '/v1/tokens',
      tag: 'access',
      summary: 'List API tokens (never their secrets)',
      role: 'admin',
      response: z.object({ tokens: z.array(tokenView) }),
      handler: async () => ({ tokens: await tokens.list() }),
    }),
    route<object, object, { name: string; role: (typeof ROLES)[number] }>({
      method: 'POST',
      path: '/v1/tokens',
      tag: 'access',
      summary: 'Create an API token; the secret is in this answer only',
      role: 'admin',
      body: z.object({ name: z.string().min(1).max(64), role: z.enum(ROLES) }).strict(),
      response: z.object({ token: tokenView, secret: z.string() }),
      status: 201,
      handler: ({ body, actor }) => tokens.create(body.name, body.role, actor),
    }),
    route<{ id: string }>({
      method: 'DELETE',
      path: '/v1/tokens/:id',
      tag: 'access',
      summary: 'Revoke a token (by id or active name)',
      role: 'admin',
      params: z.object({ id: z.string().min(1) }),
      response: z.object({ token: tokenView }),
      handler: async ({ params, actor }) => ({ token: await tokens.revoke(params.id, actor) }),
    }),
    route<object, { after: number; limit: number }>({
      method: 'GET',
      path: '/v1/audit',
      tag: 'access',
      summary: 'Audit log entries after a position, oldest first',
      role: 'admin',
      query: z.object({ after: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) }).strict(),
      response: z.object({ entries: z.array(auditEntry) }),
      handler: async ({ query }) => ({
        entries: (await audit.list(query.after, query.limit)).map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
      }),
    }),
    route({
      method: 'GET',
      path: '/v1/audit/verify',
      tag: 'access',
      summary: 'Recompute the audit hash chain; names the first bad entry',
      role: 'admin',
      handler: () => audit.verify(),
    }),
  ];
}
