import { serveStdio } from '@modelcontextprotocol/server/stdio';
import type { ServerFactory } from './legacy/server-factory.js';
import { isV2Server } from './modern/index.js';

/**
 * Serves the same server over stdio. SDK v2 servers go through the SDK's own `serveStdio` (both eras);
 * a v1 server gets v1's StdioServerTransport. Over stdio the process is the session: nothing to persist.
 */
export async function serveOverStdio(factory: ServerFactory): Promise<{ closed: Promise<void>; close(): Promise<void> }> {
  const probe = await factory({ era: 'legacy' });
  let done!: () => void;
  const closed = new Promise<void>((r) => (done = r));
  process.stdin.once('end', () => done());
  process.stdin.once('close', () => done());
  if (isV2Server(probe)) {
    await probe.close();
    const handle = serveStdio(factory as never, { onerror: (e) => process.stderr.write(`stdio: ${e.message}\n`) });
    return { closed, close: () => handle.close() };
  }
  const { StdioServerTransport } = await import('@modelcontextprotocol/sdk/server/stdio.js');
  const transport = new StdioServerTransport();
  await probe.connect(transport as never);
  return { closed, close: () => probe.close() };
}
