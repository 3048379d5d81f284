import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';

import type { InstanceScope } from './instance-scope.js';
import { PNG_MIME_TYPE, SAMPLE_PNG_BASE64 } from './media.js';
import {
  WATCHED_RESOURCE_URI,
  readWatchedResource,
  updateWatchedResource,
  watchResource,
} from './watched-resource.js';

export function registerResources(mcp: McpServer, scope: InstanceScope): void {
  registerStaticResources(mcp);
  registerDataTemplate(mcp);
  registerWatchedResource(mcp, scope);
}

function registerStaticResources(mcp: McpServer): void {
  mcp.registerResource(
    'static-text',
    'test://static-text',
    { title: 'Static text', description: 'A plain-text resource that never changes', mimeType: 'text/plain' },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'This is the content of the static text resource.' }],
    }),
  );

  mcp.registerResource(
    'static-binary',
    'test://static-binary',
    { title: 'Static binary', description: 'A small PNG image, served as a base64 blob', mimeType: PNG_MIME_TYPE },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: PNG_MIME_TYPE, blob: SAMPLE_PNG_BASE64 }],
    }),
  );
}

/** A resource template: any `test://template/{id}/data` URI reads a JSON document about that id. */
function registerDataTemplate(mcp: McpServer): void {
  mcp.registerResource(
    'template-data',
    new ResourceTemplate('test://template/{id}/data', { list: undefined }),
    { title: 'Data by id', description: 'JSON data for the id in the URI', mimeType: 'application/json' },
    (uri, { id }) => ({
      contents: [
        {
          uri: uri.href,
          mimeType: 'application/json',
          text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${String(id)}` }),
        },
      ],
    }),
  );
}

/**
 * A resource whose content changes (see watched-resource.ts), plus the
 * `resources/subscribe` / `resources/unsubscribe` handlers. A subscribed
 * client gets `notifications/resources/updated` each time the content
 * changes; the `update_watched_resource` tool changes it on demand.
 */
function registerWatchedResource(mcp: McpServer, scope: InstanceScope): void {
  mcp.registerResource(
    'watched-resource',
    WATCHED_RESOURCE_URI,
    {
      title: 'Watched resource',
      description: 'Changes over time; subscribe to be notified of each new version',
      mimeType: 'text/plain',
    },
    (uri) => ({
      contents: [{ uri: uri.href, mimeType: 'text/plain', text: readWatchedResource().text }],
    }),
  );

  mcp.registerTool(
    'update_watched_resource',
    {
      description: `Changes ${WATCHED_RESOURCE_URI}; every subscribed session is notified`,
      inputSchema: z.object({ note: z.string().optional().describe('Text to put in the new version') }),
    },
    ({ note }) => {
      const { version } = updateWatchedResource(note);
      return { content: [{ type: 'text', text: `${WATCHED_RESOURCE_URI} is now at version ${version}` }] };
    },
  );

  // Subscriptions belong to this instance (this session); each one holds a
  // watcher on the shared state that is removed on unsubscribe or close.
  const stopWatchingByUri = new Map<string, () => void>();

  mcp.server.setRequestHandler('resources/subscribe', (request) => {
    const { uri } = request.params;
    if (stopWatchingByUri.has(uri)) return {};
    if (uri !== WATCHED_RESOURCE_URI) {
      // Every other resource here is static: the subscription is accepted
      // but will never fire.
      stopWatchingByUri.set(uri, () => {});
      return {};
    }
    const stopWatching = watchResource(() => {
      mcp.server.sendResourceUpdated({ uri }).catch(() => {
        // The client went away between the change and the notification.
      });
    });
    const forgetOnClose = scope.onClose(stopWatching);
    stopWatchingByUri.set(uri, () => {
      stopWatching();
      forgetOnClose();
    });
    return {};
  });

  mcp.server.setRequestHandler('resources/unsubscribe', (request) => {
    const { uri } = request.params;
    stopWatchingByUri.get(uri)?.();
    stopWatchingByUri.delete(uri);
    return {};
  });
}
