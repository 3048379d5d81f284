import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport as StdioV1 } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport as HttpV1 } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { StdioClientTransport as StdioV2 } from '@modelcontextprotocol/client/stdio';
import { CLI } from './node-process.js';

export interface CallOptions {
  onprogress?: (p: { progress: number; total?: number }) => void;
  signal?: AbortSignal;
}

/** The slice of an official SDK client the tests use, the same for v1 and v2. */
export interface TestClient {
  listTools(): Promise<{ tools: { name: string }[] }>;
  callTool(name: string, args: Record<string, unknown>, opts?: CallOptions): Promise<{ content: unknown[]; isError?: boolean }>;
  listPrompts(): Promise<{ prompts: { name: string }[] }>;
  getPrompt(name: string, args?: Record<string, string>): Promise<{ messages: unknown[] }>;
  readResource(uri: string): Promise<{ contents: { uri: string; text?: string }[] }>;
  subscribe(uri: string): Promise<void>;
  onResourceUpdated(fn: (uri: string) => void): void;
  close(): Promise<void>;
}

export type Connect = () => Promise<TestClient>;

function wrapV1(client: ClientV1): TestClient {
  return {
    listTools: () => client.listTools(),
    callTool: (name, args, opts) => client.callTool({ name, arguments: args }, undefined, opts) as never,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    readResource: (uri) => client.readResource({ uri }) as never,
    subscribe: async (uri) => void (await client.subscribeResource({ uri })),
    onResourceUpdated: (fn) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => fn(n.params.uri)),
    close: () => client.close(),
  };
}

function wrapV2(client: ClientV2): TestClient {
  return {
    listTools: () => client.listTools(),
    callTool: (name, args, opts) => client.callTool({ name, arguments: args }, opts) as never,
    listPrompts: () => client.listPrompts(),
    getPrompt: (name, args) => client.getPrompt({ name, arguments: args }),
    readResource: (uri) => client.readResource({ uri }) as never,
    subscribe: async (uri) => void (await client.subscribeResource({ uri })),
    onResourceUpdated: (fn) => client.setNotificationHandler('notifications/resources/updated', (n) => fn(n.params.uri)),
    close: () => client.close(),
  };
}

const info = (name: string) => ({ name, version: '1.0.0' });

export const httpV1 = (url: string): Connect => async () => {
  const c = new ClientV1(info('v1-http'));
  await c.connect(new HttpV1(new URL(url)));
  return wrapV1(c);
};

export const httpV2 = (url: string, era: 'legacy' | 'modern' = 'legacy'): Connect => async () => {
  const c = new ClientV2(info(`v2-http-${era}`), { versionNegotiation: { mode: era === 'modern' ? { pin: '2026-07-28' } : 'legacy' } });
  await c.connect(new HttpV2(new URL(url)));
  return wrapV2(c);
};

const stdioArgs = (server: string) => [CLI, 'stdio', '--server', server, '--log-level', 'warn', '--store', 'sqlite::memory:'];

export const stdioV1 = (server: string): Connect => async () => {
  const c = new ClientV1(info('v1-stdio'));
  await c.connect(new StdioV1({ command: process.execPath, args: stdioArgs(server), stderr: 'pipe' }));
  return wrapV1(c);
};

export const stdioV2 = (server: string): Connect => async () => {
  const c = new ClientV2(info('v2-stdio'));
  await c.connect(new StdioV2({ command: process.execPath, args: stdioArgs(server), stderr: 'pipe' }));
  return wrapV2(c);
};
