import type { JsonRpcMessage, RequestId } from '../../protocol/jsonrpc.js';

export interface SendOptions {
  relatedRequestId?: RequestId;
}

/** What a message from the client carries besides itself (shape accepted by SDK v1 and v2 servers). */
export interface DeliveryExtra {
  authInfo?: { token: string; clientId: string; scopes: string[]; extra?: Record<string, unknown> };
  requestInfo?: { headers: Record<string, string | string[] | undefined> };
}

/**
 * The SDK `Transport` a session's server instance is connected to. It carries no HTTP: Continuum's
 * HTTP layer hands it client messages, and every message the server sends goes to `route`, which
 * decides which stream it belongs to and commits it before it reaches the wire.
 * Both SDK v1 and v2 servers connect to it (the interface is the same in both).
 */
export class SessionTransport {
  onmessage?: (message: JsonRpcMessage, extra?: DeliveryExtra) => void;
  onclose?: () => void;
  onerror?: (error: Error) => void;
  private closed = false;

  constructor(
    readonly sessionId: string,
    private readonly route: (message: JsonRpcMessage, options: SendOptions) => Promise<void>,
  ) {}

  async start(): Promise<void> {}

  send(message: JsonRpcMessage, options?: { relatedRequestId?: RequestId }): Promise<void> {
    if (this.closed) return Promise.resolve();
    return this.route(message, { relatedRequestId: options?.relatedRequestId });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onclose?.();
  }

  deliver(message: JsonRpcMessage, extra?: DeliveryExtra): void {
    if (this.closed) throw new Error('session transport is closed');
    this.onmessage?.(message, extra);
  }
}
