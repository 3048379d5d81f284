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

/** Named schemas (zod .meta({ id })) collected into components.schemas while paths are built. */
type Components = Record<string, unknown>;

/** A JSON Schema (2020-12, as OpenAPI 3.1 uses) for a zod schema, its named parts moved to components. */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output', components: Components): Record<string, unknown> {
  const { $schema: _ignored, $defs, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  const relink = <T>(value: T): T => JSON.parse(JSON.stringify(value).replaceAll('"#/$defs/', '"#/components/schemas/')) as T;
  for (const [name, def] of Object.entries(($defs ?? {}) as Record<string, unknown>)) components[name] ??= relink(def);
  return relink(rest);
}

/** Path and query parameters, one per property of their (object) schemas. */
function parameters(r: Route, components: Components): unknown[] {
  const out: unknown[] = [];
  for (const [where, schema] of [['path', r.params], ['query', r.query]] as const) {
    if (!schema) continue;
    const s = jsonSchema(schema, 'input', components) as { properties?: Record<string, unknown>; required?: string[] };
    for (const [name, prop] of Object.entries(s.properties ?? {})) {
      out.push({ name, in: where, required: where === 'path' || (s.required ?? []).includes(name), schema: prop });
    }
  }
  return out;
}

/** The OpenAPI 3.1 document, generated from the routes' own schemas so it cannot drift from them. */
export function buildOpenApi(routes: Route[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  const components: Components = {};
  for (const r of routes) {
    const path = '/api' + r.path.replace(/:([A-Za-z]+)/g, '{$1}');
    const responses: Record<string, unknown> = {
      [String(r.status ?? 200)]: {
        description: 'Success',
        content: { 'application/json': { schema: r.response ? jsonSchema(r.response, 'output', components) : {} } },
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
      parameters: parameters(r, components),
      ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.body, 'input', components) } } } } : {}),
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
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
  };
}
