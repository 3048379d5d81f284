import { McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { VERSION } from '../version.js';
import { registerIncidentTools, type IncidentToolSource } from './incident-tools.js';

/** What the continuity tools can read about the node they run on. */
export interface ContinuityStatusSource {
  status(): Promise<ContinuityStatus>;
  /** The incident tools' backing service (absent: no incident tools, e.g. over stdio). */
  incidents?: IncidentToolSource;
}

export interface ContinuityStatus {
  node: { id: string; region: string; startedAt: string; uptimeSeconds: number; draining: boolean; version: string };
  store: { kind: string; description: string; reachable: boolean; error?: string };
  sessions: { live: number; stored: number | null; createdHere: number; restoredHere: number };
}

/**
 * Continuum's own MCP server: what `continuum up` serves when no user server is given. Incident tools
 * join `continuity_status` as the control plane grows.
 */
export function createContinuumServer(source: ContinuityStatusSource): McpServer {
  const server = new McpServer({ name: 'continuum', version: VERSION }, { capabilities: { logging: {} } });
  server.registerTool(
    'continuity_status',
    {
      title: 'Continuity status',
      description: 'Node identity and uptime, store reachability, and how many MCP sessions are live and stored.',
      inputSchema: z.object({}),
      annotations: { readOnlyHint: true, idempotentHint: true },
    },
    async () => {
      const status = await source.status();
      return {
        content: [{ type: 'text', text: JSON.stringify(status, null, 2) }],
        structuredContent: status as unknown as Record<string, unknown>,
      };
    },
  );
  if (source.incidents) registerIncidentTools(server, source.incidents);
  return server;
}
