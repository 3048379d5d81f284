/**
 * Incident tools on Continuum's own MCP server, so an assistant can run the incident process: list,
 * show, declare, update, resolve, and the current status. Callers act with the role configured in
 * incidents.mcpRole (viewer by default: read only), named after the MCP principal.
 */
import type { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { roleAllows, type Actor, type Role } from '../access/roles.js';
import { declareBody, resolveBody, updateBody } from '../api/routes/schemas.js';
import type { IncidentService } from '../incidents/service.js';
import { incidentView, statusSummary, timelineView } from '../incidents/view.js';

export interface IncidentToolSource {
  service: IncidentService;
  role: Role;
}

type ToolResult = { content: { type: 'text'; text: string }[]; structuredContent?: Record<string, unknown>; isError?: boolean };

const ok = (value: Record<string, unknown>): ToolResult => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }], structuredContent: value });
const fail = (message: string): ToolResult => ({ content: [{ type: 'text', text: message }], isError: true });

export function registerIncidentTools(server: McpServer, source: IncidentToolSource): void {
  const { service } = source;
  const actorOf = (ctx: { http?: { authInfo?: { clientId?: string } } }): Actor => ({ id: `mcp:${ctx.http?.authInfo?.clientId ?? 'anonymous'}`, role: source.role });
  /** Runs a tool body with the role check and turns domain errors into tool errors the model can read. */
  const guarded = async (needs: Role, run: () => Promise<Record<string, unknown>>): Promise<ToolResult> => {
    if (!roleAllows(source.role, needs)) {
      return fail(`MCP callers have the ${source.role} role here; this tool needs ${needs}. An operator can raise incidents.mcpRole (protect /mcp with mcp.tokens first), or use the REST API with a ${needs} token.`);
    }
    try {
      return ok(await run());
    } catch (err) {
      return fail((err as Error).message);
    }
  };
  const id = z.string().min(1).max(64).describe('incident id, e.g. INC-20250101-0A1B2C');

  server.registerTool(
    'incidents_list',
    {
      title: 'List incidents',
      description: 'Incidents newest first, with severity, status, roles and timestamps.',
      inputSchema: z.object({ status: z.enum(['open', 'closed', 'all']).default('open') }),
      annotations: { readOnlyHint: true },
    },
    async ({ status }) => guarded('viewer', async () => ({ incidents: (await service.list({ status })).map(incidentView) })),
  );
  server.registerTool(
    'incident_show',
    {
      title: 'Show an incident',
      description: 'One incident and its timeline (every change, who made it and when; pinned events are marked).',
      inputSchema: z.object({ id }),
      annotations: { readOnlyHint: true },
    },
    async ({ id: incident }) =>
      guarded('viewer', async () => {
        const found = await service.get(incident);
        if (!found) throw new Error(`no incident ${incident}; incidents_list shows them`);
        return { incident: incidentView(found.incident), timeline: timelineView(found.timeline) };
      }),
  );
  server.registerTool(
    'incident_declare',
    {
      title: 'Declare an incident',
      description: 'Opens an incident: P0 complete outage, P1 regional failure, P2 degradation, P3 minor. Assigns response roles and pages.',
      inputSchema: declareBody,
    },
    async (input, ctx) =>
      guarded('responder', async () => ({
        incident: incidentView(await service.declare({ ...input, startedAt: input.startedAt ? Date.parse(input.startedAt) : undefined }, actorOf(ctx))),
      })),
  );
  server.registerTool(
    'incident_update',
    {
      title: 'Update an incident',
      description: 'Change status (investigating, identified, monitoring, postmortem), severity, fields; post a message (external: true when posted to customers).',
      inputSchema: updateBody.extend({ id }),
    },
    async ({ id: incident, ...input }, ctx) => guarded('responder', async () => ({ incident: incidentView(await service.update(incident, input, actorOf(ctx))) })),
  );
  server.registerTool(
    'incident_resolve',
    {
      title: 'Resolve an incident',
      description: 'Resolves an open incident and schedules its debrief within 24 hours.',
      inputSchema: resolveBody.extend({ id }),
    },
    async ({ id: incident, message }, ctx) => guarded('responder', async () => ({ incident: incidentView(await service.resolve(incident, message, actorOf(ctx))) })),
  );
  server.registerTool(
    'incident_status',
    {
      title: 'Current incident status',
      description: 'Whether any incident is open, the worst open severity, and each open incident in one line.',
      inputSchema: z.object({}),
      annotations: { readOnlyHint: true },
    },
    async () => guarded('viewer', async () => statusSummary(await service.list({ status: 'open' }))),
  );
}
