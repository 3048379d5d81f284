import type { ServerResponse } from 'node:http';
import { errorResponse, type RequestId } from '../../protocol/jsonrpc.js';

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** An HTTP error that is also a JSON-RPC error, as MCP clients expect from the transport. */
export function sendRpcError(
  res: ServerResponse,
  status: number,
  code: number,
  message: string,
  id: RequestId | null = null,
  headers: Record<string, string> = {},
): void {
  sendJson(res, status, errorResponse(id, code, message), headers);
}
