import { z } from 'zod';
import type { Route } from './route.js';

const errorSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: { code: { type: 'string' }, message: { type: 'string', description: 'What went wrong and what to do' } },
    },
  },
};

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return rest;
}

/** Path and query parameters, one per property of their (object) schemas. */
function parameters(r: Route): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
    if (!schema) continue;
    const s = jsonSchema(schema, 'input') as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

/** The OpenAPI 3.1 document, generated from the routes' own schemas so it cannot drift from them. */
export function buildOpenApi(routes: Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const path = '/api' + r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [String(r.status ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output') : {} } },
      },
      '400': { description: 'Invalid request (the message names each bad field)', content: { 'application/json': { schema: errorSchema } } },
    };
    if (r.role !== 'public') {
      responses['401'] = { description: 'Missing, unknown or revoked token', content: { 'application/json': { schema: errorSchema } } };
      responses['403'] = { description: `The token's role is below ${r.role}`, content: { 'application/json': { schema: errorSchema } } };
    }
    (paths[path] ??= {})[r.method.toLowerCase()] = {
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${r.path.replace(/[:/](\w)/g, (_, c: string) => c.toUpperCase()).replace(/\W/g, '')}`,
      'x-required-role': r.role,
      ...(r.role === 'public' ? { security: [] } : {}),
      parameters: parameters(r),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input') } } } } : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Continuum admin API',
      version,
      description:
        'Incidents, detection signals, API tokens and the audit log of a Continuum node. Authenticate with ' +
        '`Authorization: Bearer <token>` (`continuum token create`). Roles nest: viewer < responder < admin.',
    },
    servers: [{ url: '/' }],
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
