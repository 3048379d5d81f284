import {
  errorResponse,
  idKey,
  INTERNAL_ERROR,
  isNotification,
  isRequest,
  isResponse,
  type JsonRpcMessage,
  type JsonRpcRequest,
  type JsonRpcResponse,
} from '../../protocol/jsonrpc.js';
import type { SessionPatch, SessionRecord } from '../../store/port.js';
import type { TaskManager } from '../tasks/manager.js';
import { TASKS_FROM, withToolTaskSupport } from '../tasks/wire.js';
import type { PostChannel } from './post-channel.js';
import type { McpServerLike, ServerFactory } from './server-factory.js';
import { SessionTransport, type DeliveryExtra, type SendOptions } from './session-transport.js';
import { StreamOutput } from './stream-output.js';

/** What a live session asks of the engine that owns it. */
export interface SessionHost {
  /** Commits an SSE event; resolves with its seq once durable. */
  commit(sessionId: string, streamId: string, message: JsonRpcMessage): Promise<number>;
  /** Persists a change of session state before the client is told it succeeded. */
  persist(sessionId: string, patch: SessionPatch): Promise<void>;
  /** A message the routing could not place (for the log). */
  dropped(sessionId: string, message: JsonRpcMessage, reason: string): void;
  /** A committed event no connection on this node received: another node may hold the stream. */
  unwritten(sessionId: string, streamId: string, seq: number): void;
  /** A client message meant for a request this node does not hold (it runs on another node). */
  forward(sessionId: string, message: JsonRpcMessage): void;
  /** Answers tasks/* and runs task-augmented requests (absent: requests go to the server as they are). */
  readonly tasks?: TaskManager;
}

const INTERNAL_ID = 'continuum-internal-';

interface InFlight {
  channel: PostChannel;
  request: JsonRpcRequest;
}

/**
 * A session with a server instance in this process. The instance is rebuilt from the stored session
 * whenever the session is used on a node that does not hold it (after a crash, on another node, after
 * eviction): Continuum replays the stored initialize request, then logging level and subscriptions.
 */
export class LiveSession {
  readonly standalone: StreamOutput;
  lastUsed: number;
  /** Server-to-client requests sent from this node and not yet answered. */
  private readonly outgoing = new Set<string>();
  /** POST streams resumed here while their request runs on another node. */
  private readonly followers = new Map<string, StreamOutput>();
  private readonly transport: SessionTransport;
  private readonly inFlight = new Map<string, InFlight>();
  private readonly channels = new Map<string, PostChannel>();
  private readonly internal = new Map<string, (r: JsonRpcResponse) => void>();
  private internalSeq = 0;
  private server: McpServerLike | null = null;

  constructor(
    public record: SessionRecord,
    private readonly host: SessionHost,
    now: number,
  ) {
    this.lastUsed = now;
    this.standalone = new StreamOutput('standalone', (seq) => host.unwritten(record.id, 'standalone', seq));
    this.transport = new SessionTransport(record.id, (m, o) => this.route(m, o));
  }

  get id(): string {
    return this.record.id;
  }

  /** In use: requests running, or a client connected to one of its streams. */
  get busy(): boolean {
    if (this.inFlight.size > 0 || this.internal.size > 0 || this.standalone.attached) return true;
    for (const c of this.channels.values()) if (c.output.attached) return true;
    for (const f of this.followers.values()) if (f.attached) return true;
    return false;
  }

  async connect(factory: ServerFactory, extra?: DeliveryExtra): Promise<void> {
    this.server = await factory({ era: 'legacy', authInfo: extra?.authInfo });
    await this.server.connect(this.transport as never);
  }

  /** Sends a request of Continuum's own to the server and returns its response (never seen by the client). */
  call(method: string, params: Record<string, unknown> | undefined, extra?: DeliveryExtra): Promise<JsonRpcResponse> {
    return this.callWithId(method, params, extra).response;
  }

  /** `call`, also returning the internal request id (to cancel it with `cancelInternal`). */
  callWithId(method: string, params: Record<string, unknown> | undefined, extra?: DeliveryExtra): { id: string; response: Promise<JsonRpcResponse> } {
    const id = `${INTERNAL_ID}${++this.internalSeq}`;
    const response = new Promise<JsonRpcResponse>((resolve) => {
      this.internal.set(id, resolve);
      this.transport.deliver({ jsonrpc: '2.0', id, method, ...(params ? { params } : {}) }, extra);
    });
    return { id, response };
  }

  /** Cancels a request of Continuum's own: the server is told, and the caller gets an error at once. */
  cancelInternal(id: string, reason: string): void {
    const waiter = this.internal.get(id);
    if (!waiter) return;
    this.internal.delete(id);
    this.transport.deliver({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason } });
    waiter(errorResponse(id, INTERNAL_ERROR, `Cancelled: ${reason}`));
  }

  /** Rebuilds server-side state from the stored session. */
  async restore(extra?: DeliveryExtra): Promise<void> {
    const init = this.record.initializeRequest as { params?: Record<string, unknown> };
    const r = await this.call('initialize', init.params, extra);
    if (r.error) throw new Error(`server refused the stored initialize: ${r.error.message}`);
    this.transport.deliver({ jsonrpc: '2.0', method: 'notifications/initialized' }, extra);
    if (this.record.logLevel) await this.call('logging/setLevel', { level: this.record.logLevel }, extra);
    for (const uri of this.record.subscriptions) await this.call('resources/subscribe', { uri }, extra);
  }

  /** Delivers a POST's messages in order; requests are answered through `channel`. */
  deliver(messages: JsonRpcMessage[], channel: PostChannel | null, extra: DeliveryExtra): void {
    const local: JsonRpcMessage[] = [];
    for (const m of messages) {
      if (isResponse(m) && m.id !== null && !this.outgoing.delete(idKey(m.id))) {
        this.host.forward(this.id, m); // answers a request another node sent
        continue;
      }
      const tasks = this.host.tasks;
      if (isRequest(m) && channel && tasks?.handles(m)) {
        // Continuum's own: tasks/* and task-augmented requests never reach the server as they are.
        channel.expect(m.id);
        this.channels.set(channel.streamId, channel);
        void tasks.handle(this, m, extra).then((r) => channel.respond(r));
        continue;
      }
      local.push(m);
      if (isRequest(m) && channel) {
        channel.expect(m.id);
        this.inFlight.set(idKey(m.id), { channel, request: m });
        this.channels.set(channel.streamId, channel);
      } else if (isNotification(m) && m.method === 'notifications/cancelled') {
        const requestId = (m.params as { requestId?: string | number } | undefined)?.requestId;
        const entry = requestId !== undefined ? this.inFlight.get(idKey(requestId)) : undefined;
        if (entry && requestId !== undefined) {
          this.inFlight.delete(idKey(requestId));
          entry.channel.cancel(requestId);
        } else if (requestId !== undefined) {
          this.host.forward(this.id, m); // the request runs on another node
        }
      }
    }
    for (const m of local) this.transport.deliver(m, extra);
  }

  /** A client message forwarded by another node: delivered if it concerns work running here. */
  deliverForwarded(message: JsonRpcMessage): boolean {
    if (isResponse(message)) {
      if (message.id === null || !this.outgoing.delete(idKey(message.id))) return false;
    } else {
      const requestId = (message.params as { requestId?: string | number } | undefined)?.requestId;
      const entry = requestId !== undefined ? this.inFlight.get(idKey(requestId)) : undefined;
      if (!entry || requestId === undefined) return false;
      this.inFlight.delete(idKey(requestId));
      entry.channel.cancel(requestId);
    }
    this.transport.deliver(message);
    return true;
  }

  /** The connection for a stream: the standalone one, a POST's running here, or one followed from here. */
  output(streamId: string): StreamOutput | undefined {
    if (streamId === 'standalone') return this.standalone;
    const channel = this.channels.get(streamId);
    if (channel && !channel.done) return channel.output;
    return this.followers.get(streamId);
  }

  /** Every stream a client is connected to here, with its id. */
  attachedOutputs(): StreamOutput[] {
    const all = [this.standalone, ...[...this.channels.values()].filter((c) => !c.done).map((c) => c.output), ...this.followers.values()];
    return all.filter((o) => o.attached);
  }

  /** Follows a POST stream whose request runs on another node, until its response is written. */
  follow(streamId: string): StreamOutput {
    const existing = this.followers.get(streamId);
    existing?.end();
    const f = new StreamOutput(streamId, undefined, true);
    this.followers.set(streamId, f);
    return f;
  }

  /** Applies state another node changed (log level, subscriptions) to this instance. */
  async applyRemote(record: SessionRecord): Promise<void> {
    const before = this.record;
    this.record = record;
    if (record.logLevel && record.logLevel !== before.logLevel) await this.call('logging/setLevel', { level: record.logLevel });
    const had = new Set(before.subscriptions);
    const has = new Set(record.subscriptions);
    for (const uri of has) if (!had.has(uri)) await this.call('resources/subscribe', { uri });
    for (const uri of had) if (!has.has(uri)) await this.call('resources/unsubscribe', { uri });
  }

  /** A message of Continuum's own for the client's standalone stream (committed before it is written). */
  notify(message: JsonRpcMessage): Promise<void> {
    return this.standalone.push(this.host.commit(this.id, 'standalone', message), message);
  }

  channel(streamId: string): PostChannel | undefined {
    return this.channels.get(streamId);
  }

  channelDone(channel: PostChannel): void {
    this.channels.delete(channel.streamId);
  }

  /**
   * Ends the standalone stream with a reconnect hint (draining): the client reconnects to another node.
   * Streams of requests in flight stay open until their responses are written.
   */
  detachStreams(retryMs: number): void {
    this.standalone.end(retryMs);
  }

  async close(): Promise<void> {
    this.standalone.end();
    for (const f of this.followers.values()) f.end();
    this.followers.clear();
    for (const c of this.channels.values()) c.output.end();
    for (const [key, entry] of this.inFlight) {
      this.inFlight.delete(key);
      void entry.channel.respond(errorResponse(entry.request.id, INTERNAL_ERROR, 'Session ended'));
    }
    // Work of Continuum's own (tasks) still running ends with an error rather than never.
    for (const [id, waiter] of this.internal) {
      this.internal.delete(id);
      waiter(errorResponse(id, INTERNAL_ERROR, 'Session ended'));
    }
    const server = this.server;
    this.server = null;
    await server?.close();
  }

  /** Where each message the server sends goes. Resolves once it is committed (for stream events). */
  private route(message: JsonRpcMessage, options: SendOptions): Promise<void> {
    if (isResponse(message)) {
      const key = message.id === null ? '' : idKey(message.id);
      if (typeof message.id === 'string' && message.id.startsWith(INTERNAL_ID)) {
        const waiter = this.internal.get(message.id);
        this.internal.delete(message.id);
        waiter?.(message);
        return Promise.resolve();
      }
      const entry = this.inFlight.get(key);
      if (!entry) {
        this.host.dropped(this.id, message, 'response for a request not in flight here');
        return Promise.resolve();
      }
      this.inFlight.delete(key);
      if (this.host.tasks && entry.request.method === 'tools/list' && !message.error && this.record.protocolVersion >= TASKS_FROM) withToolTaskSupport(message.result);
      const patch = message.error ? undefined : this.statePatch(entry.request);
      if (!patch) return entry.channel.respond(message);
      return this.host.persist(this.id, patch).then(
        () => entry.channel.respond(message),
        (err: Error) => entry.channel.respond(errorResponse(entry.request.id, INTERNAL_ERROR, `could not persist: ${err.message}`)),
      );
    }
    if (isRequest(message)) this.outgoing.add(idKey(message.id));
    if (options.relatedRequestId !== undefined) {
      const entry = this.inFlight.get(idKey(options.relatedRequestId));
      if (entry) return entry.channel.related(message);
      if (typeof options.relatedRequestId === 'string' && options.relatedRequestId.startsWith(INTERNAL_ID)) {
        return Promise.resolve();
      }
    }
    return this.notify(message);
  }

  /** Session state a successful request changes; applied to the record and persisted before the reply. */
  private statePatch(request: JsonRpcRequest): SessionPatch | undefined {
    const params = request.params ?? {};
    switch (request.method) {
      case 'logging/setLevel':
        if (typeof params.level !== 'string') return undefined;
        this.record.logLevel = params.level;
        return { logLevel: params.level };
      case 'resources/subscribe':
      case 'resources/unsubscribe': {
        if (typeof params.uri !== 'string') return undefined;
        const set = new Set(this.record.subscriptions);
        if (request.method === 'resources/subscribe') set.add(params.uri);
        else set.delete(params.uri);
        this.record.subscriptions = [...set];
        return { subscriptions: this.record.subscriptions };
      }
      default:
        return undefined;
    }
  }
}
