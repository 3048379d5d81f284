import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { LoggingMessageNotificationSchema } from '@modelcontextprotocol/sdk/types.js';

/** Reconnect quickly and keep trying while a node restarts. */
export const PATIENT_RECONNECT = { initialReconnectionDelay: 50, maxReconnectionDelay: 250, reconnectionDelayGrowFactor: 1.5, maxRetries: 200 };

/** An official SDK v1 client over Streamable HTTP that records the `data.i` of every log notification. */
export async function connectV1(url: string, name = 'test-v1') {
  const client = new ClientV1({ name, version: '1.0.0' });
  const transport = new HttpV1(new URL(url), { reconnectionOptions: PATIENT_RECONNECT });
  const received: number[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  client.setNotificationHandler(LoggingMessageNotificationSchema, (n) => {
    const data = n.params.data as { i?: number };
    if (typeof data?.i === 'number') received.push(data.i);
    for (const w of waiters.filter((w) => received.length >= w.n)) {
      waiters.splice(waiters.indexOf(w), 1);
      w.resolve();
    }
  });
  await client.connect(transport);
  return {
    client,
    transport,
    received,
    /** Resolves once at least `n` numbered notifications arrived. */
    receivedAtLeast(n: number): Promise<void> {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve) => waiters.push({ n, resolve }));
    },
  };
}
