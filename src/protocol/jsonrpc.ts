/** Minimal JSON-RPC 2.0 shapes and guards, independent of SDK versions (v1 and v2 servers both pass through). */
export type RequestId = string | number;
export type JsonRpcMessage = Record<string, unknown> & { jsonrpc: '2.0' };

export interface JsonRpcRequest extends JsonRpcMessage {
  id: RequestId;
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcNotification extends JsonRpcMessage {
  method: string;
  params?: Record<string, unknown>;
}
export interface JsonRpcResponse extends JsonRpcMessage {
  id: RequestId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

export const PARSE_ERROR = -32700;
export const INVALID_REQUEST = -32600;
export const METHOD_NOT_FOUND = -32601;
export const INTERNAL_ERROR = -32603;
/** Used by the SDK for "Session not found" and similar transport-level errors. */
export const SERVER_ERROR = -32000;

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isId(v: unknown): v is RequestId {
  return typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v));
}

/** A structurally valid JSON-RPC 2.0 message (request, notification or response). */
export function isJsonRpcMessage(v: unknown): v is JsonRpcMessage {
  if (!isObject(v) || v.jsonrpc !== '2.0') return false;
  if ('method' in v) {
    if (typeof v.method !== 'string' || v.method.length === 0) return false;
    if ('params' in v && v.params !== undefined && !isObject(v.params) && !Array.isArray(v.params)) return false;
    return !('id' in v) || isId(v.id);
  }
  if (!('id' in v) || !(isId(v.id) || v.id === null)) return false;
  return ('result' in v) !== ('error' in v);
}

export function isRequest(m: JsonRpcMessage): m is JsonRpcRequest {
  return typeof m.method === 'string' && 'id' in m;
}
export function isNotification(m: JsonRpcMessage): m is JsonRpcNotification {
  return typeof m.method === 'string' && !('id' in m);
}
export function isResponse(m: JsonRpcMessage): m is JsonRpcResponse {
  return !('method' in m) && ('result' in m || 'error' in m);
}

/** A map key for a request id that keeps 1 and "1" apart. */
export function idKey(id: RequestId): string {
  return typeof id === 'number' ? `n:${id}` : `s:${id}`;
}

export function errorResponse(id: RequestId | null, code: number, message: string, data?: unknown): JsonRpcResponse {
  const error: JsonRpcResponse['error'] = data === undefined ? { code, message } : { code, message, data };
  return { jsonrpc: '2.0', id, error };
}
