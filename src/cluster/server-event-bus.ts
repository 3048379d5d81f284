import { InMemoryServerEventBus, type ServerEvent, type ServerEventBus } from '@modelcontextprotocol/server';
import type { JsonObject, MessageBus } from '../store/port.js';

const CHANNEL = 'server-events';

/**
 * The SDK's `ServerEventBus` (what 2026-07-28 `subscriptions/listen` streams listen to) carried across
 * nodes by the store's bus: an event published on any node reaches listen streams on every node.
 * Local listeners hear local events at once; other nodes hear them through the store.
 */
export class StoreServerEventBus implements ServerEventBus {
  private readonly local: InMemoryServerEventBus;
  private unsubscribe?: () => Promise<void>;

  constructor(
    private readonly bus: MessageBus,
    private readonly nodeId: string,
    onerror?: (e: Error) => void,
  ) {
    this.local = new InMemoryServerEventBus(onerror);
  }

  async start(): Promise<void> {
    // InMemoryServerEventBus isolates throwing listeners, so this handler cannot throw into the bus.
    this.unsubscribe = await this.bus.subscribe((m) => {
      if (m.channel !== CHANNEL || m.payload.n === this.nodeId) return;
      this.local.publish(m.payload.e as unknown as ServerEvent);
    });
  }

  publish(event: ServerEvent): void {
    this.local.publish(event);
    void this.bus.publish(CHANNEL, { n: this.nodeId, e: event as unknown as JsonObject }).catch(() => undefined);
  }

  subscribe(listener: (event: ServerEvent) => void): () => void {
    return this.local.subscribe(listener);
  }

  async stop(): Promise<void> {
    await this.unsubscribe?.();
  }
}
