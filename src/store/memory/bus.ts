import { callHandler, encodeBusMessage } from '../bus-message.js';
import type { BusMessage, JsonObject, MessageBus } from '../port.js';

interface Subscriber {
  handler: (message: BusMessage) => void;
  active: boolean;
}

/**
 * Bus within one process. Delivery is asynchronous (a microtask per message, so in publish order),
 * never inside publish(). The payload goes through the same JSON envelope and size limit as the SQL
 * adapters, so subscribers get a copy and oversize messages fail here too.
 */
export class MemoryMessageBus implements MessageBus {
  private readonly subscribers = new Set<Subscriber>();
  private seq = 0;

  async publish(channel: string, payload: JsonObject): Promise<void> {
    const encoded = encodeBusMessage(channel, payload);
    // Subscribers share one copy, parsed back from JSON like the SQL adapters' deliveries.
    const message: BusMessage = { seq: ++this.seq, channel, payload: JSON.parse(encoded.payload) as JsonObject };
    for (const subscriber of this.subscribers) {
      queueMicrotask(() => {
        if (subscriber.active) callHandler(subscriber.handler, message);
      });
    }
  }

  async subscribe(handler: (message: BusMessage) => void): Promise<() => Promise<void>> {
    const subscriber: Subscriber = { handler, active: true };
    this.subscribers.add(subscriber);
    return async () => {
      subscriber.active = false;
      this.subscribers.delete(subscriber);
    };
  }

  /** Stops every delivery (the store is closing). */
  close(): void {
    for (const subscriber of this.subscribers) subscriber.active = false;
    this.subscribers.clear();
  }
}
