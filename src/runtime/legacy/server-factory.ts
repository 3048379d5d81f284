/**
 * What Continuum needs of an MCP server instance: the SDK's `connect(transport)` and `close()`.
 * McpServer and Server from SDK v2 (@modelcontextprotocol/server) and from SDK v1
 * (@modelcontextprotocol/sdk) all have them.
 */
export interface McpServerLike {
  connect(transport: never): Promise<void>;
  close(): Promise<void>;
}

export interface ServerContext {
  era: 'legacy' | 'modern';
  authInfo?: { token: string; clientId: string; scopes: string[]; extra?: Record<string, unknown> };
}

/** Returns a fresh server instance; Continuum calls it once per live session (and per modern request). */
export type ServerFactory = (ctx: ServerContext) => McpServerLike | Promise<McpServerLike>;
