import type { ServerEvent, ServerEventBus } from '@modelcontextprotocol/server';
import type { JsonRpcMessage } from '../protocol/jsonrpc.js';
import type { LiveSession } from './legacy/live-session.js';
import type { SessionEngine } from './legacy/session-engine.js';

/** Change notifications a deployment publishes once; Continuum delivers them to clients of both eras. */
export interface Notifier {
  toolsChanged(): void;
  promptsChanged(): void;
  resourcesChanged(): void;
  resourceUpdated(uri: string): void;
}

/** Publishes changes as SDK server events; the bus carries them to every node (see StoreServerEventBus). */
export function createNotifier(bus: ServerEventBus): Notifier {
  return {
    toolsChanged: () => bus.publish({ kind: 'tools_list_changed' }),
    promptsChanged: () => bus.publish({ kind: 'prompts_list_changed' }),
    resourcesChanged: () => bus.publish({ kind: 'resources_list_changed' }),
    resourceUpdated: (uri) => bus.publish({ kind: 'resource_updated', uri }),
  };
}

const METHODS: Record<ServerEvent['kind'], string> = {
  tools_list_changed: 'notifications/tools/list_changed',
  prompts_list_changed: 'notifications/prompts/list_changed',
  resources_list_changed: 'notifications/resources/list_changed',
  resource_updated: 'notifications/resources/updated',
};

/**
 * Delivers server events to the 2025-era sessions this node holds, as committed events on their
 * standalone streams (2026-era listen streams hear the same bus through the SDK). A resource update goes
 * only to sessions subscribed to its URI.
 */
export function deliverToSessions(engine: SessionEngine, bus: ServerEventBus): () => void {
  return bus.subscribe((event) => {
    const uri = event.kind === 'resource_updated' ? event.uri : undefined;
    const message: JsonRpcMessage = { jsonrpc: '2.0', method: METHODS[event.kind], ...(uri ? { params: { uri } } : {}) };
    const wants = (s: LiveSession) => uri === undefined || s.record.subscriptions.includes(uri);
    for (const s of engine.live.values()) if (wants(s)) void s.notify(message);
  });
}
