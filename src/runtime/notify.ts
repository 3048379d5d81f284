import type { ServerNotifier } from '@modelcontextprotocol/server';
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

/**
 * Fans one change out to 2026-era `subscriptions/listen` streams (through the SDK's bus) and to the
 * 2025-era sessions held by this node (as committed events on their standalone streams; a resource
 * update only to sessions subscribed to that URI).
 */
export function createNotifier(engine: SessionEngine, modern: ServerNotifier | undefined): Notifier {
  const toSessions = (message: JsonRpcMessage, wants: (s: LiveSession) => boolean = () => true) => {
    for (const s of engine.live.values()) if (wants(s)) void s.notify(message);
  };
  const note = (method: string, params?: Record<string, unknown>): JsonRpcMessage => ({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
  return {
    toolsChanged() {
      modern?.toolsChanged();
      toSessions(note('notifications/tools/list_changed'));
    },
    promptsChanged() {
      modern?.promptsChanged();
      toSessions(note('notifications/prompts/list_changed'));
    },
    resourcesChanged() {
      modern?.resourcesChanged();
      toSessions(note('notifications/resources/list_changed'));
    },
    resourceUpdated(uri: string) {
      modern?.resourceUpdated(uri);
      toSessions(note('notifications/resources/updated', { uri }), (s) => s.record.subscriptions.includes(uri));
    },
  };
}
