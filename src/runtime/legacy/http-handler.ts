import type { IncomingMessage, ServerResponse } from 'node:http';
import { parseJSONRPCMessage } from '@modelcontextprotocol/server';
import { randomId, type Random } from '../../core/random.js';
import {
  INVALID_REQUEST,
  isJsonRpcMessage,
  isRequest,
  SERVER_ERROR,
  type JsonRpcMessage,
  type JsonRpcRequest,
} from '../../protocol/jsonrpc.js';
import { ISOLATED_MESSAGE, type IsolationSignal } from '../../cluster/isolation.js';
import { sendJson, sendRpcError } from '../http/reply.js';
import { PostChannel } from './post-channel.js';
import type { SessionEngine } from './session-engine.js';
import type { DeliveryExtra } from './session-transport.js';
import { formatEventId, parseEventId, SseWriter } from './sse.js';

/**
 * A message the SDK's server will accept. The SDK's own schema is the authority: a message it rejects is
 * dropped without an answer, and a request nobody answers would hold its POST open forever.
 */
function isValidMessage(m: unknown): boolean {
  if (!isJsonRpcMessage(m)) return false;
  try {
    parseJSONRPCMessage(m);
    return true;
  } catch {
    return false;
  }
}

const GAVE_UP = Symbol('isolated');

function sendIsolated(res: ServerResponse): void {
  sendRpcError(res, 503, SERVER_ERROR, ISOLATED_MESSAGE, null, { 'retry-after': '1' });
}

/** Protocol revision from which streams start with a priming event (SEP-1699). */
const PRIMING_FROM = '2025-11-25';
const SESSION_HEADER = 'mcp-session-id';

export interface LegacyRequest {
  req: IncomingMessage;
  res: ServerResponse;
  /** Parsed JSON body (POST only). */
  body?: unknown;
  principal: string | null;
  extra: DeliveryExtra;
}

function accepts(req: IncomingMessage, type: string): boolean {
  const accept = req.headers.accept ?? '';
  return accept.includes(type) || accept.includes('*/*');
}

function sessionIdOf(req: IncomingMessage): string | undefined {
  const v = req.headers[SESSION_HEADER];
  return Array.isArray(v) ? v[0] : v;
}

/** Serves 2025-era Streamable HTTP (initialize, Mcp-Session-Id, GET streams, resumption, DELETE). */
export class LegacyHttpHandler {
  /** POST stream ids: a random prefix per process and a counter, unique across nodes and restarts. */
  private readonly streamPrefix: string;
  private streams = 0;

  constructor(
    private readonly engine: SessionEngine,
    random: Random,
    /** False while the partition policy has this node stop taking new work. */
    private readonly acceptsNewSessions: () => boolean = () => true,
    /** This node alone lost the store (cluster/isolation.ts): store waits before any work give up. */
    private readonly isolation: () => IsolationSignal | null = () => null,
  ) {
    this.streamPrefix = randomId(random, 9).replace(/[^A-Za-z0-9]/g, 'x') + '_';
  }

  async post(r: LegacyRequest): Promise<void> {
    const { req, res } = r;
    if (!accepts(req, 'application/json') || !accepts(req, 'text/event-stream')) {
      return sendRpcError(res, 406, SERVER_ERROR, 'Not Acceptable: Accept must list application/json and text/event-stream');
    }
    const batch = Array.isArray(r.body);
    const messages = (batch ? r.body : [r.body]) as unknown[];
    if (messages.length === 0 || !messages.every(isValidMessage)) {
      return sendRpcError(res, 400, INVALID_REQUEST, 'Invalid Request: body must be a JSON-RPC 2.0 message or a non-empty array of them');
    }
    const msgs = messages as JsonRpcMessage[];
    const init = msgs.find((m) => isRequest(m) && m.method === 'initialize') as JsonRpcRequest | undefined;
    if (init) {
      if (msgs.length > 1) return sendRpcError(res, 400, INVALID_REQUEST, 'Invalid Request: initialize must be sent alone');
      if (!this.acceptsNewSessions()) {
        return sendRpcError(res, 503, SERVER_ERROR, 'Service Unavailable: this node is on the minority side of a partition and takes no new sessions; retry another node', null, { 'retry-after': '1' });
      }
      const created = await this.unlessIsolated(this.engine.create(init, r.principal, r.extra));
      if (created === GAVE_UP) return sendIsolated(res);
      const { session, response } = created;
      return sendJson(res, 200, response, session ? { [SESSION_HEADER]: session.id } : {});
    }
    const session = await this.session(r);
    if (!session) return;
    const headers = { [SESSION_HEADER]: session.id };
    if (!msgs.some(isRequest)) {
      session.deliver(msgs, null, r.extra);
      res.writeHead(202, headers).end();
      return;
    }
    const streamId = `post:${this.streamPrefix}${(++this.streams).toString(36)}`;
    const channel = new PostChannel({
      streamId,
      res,
      headers,
      batch,
      prime: session.record.protocolVersion >= PRIMING_FROM,
      commit: (m) => this.engine.commit(session.id, streamId, m),
      onUnwritten: (seq) => this.engine.unwritten(session.id, streamId, seq),
      onDone: (c) => session.channelDone(c),
    });
    session.deliver(msgs, channel, r.extra);
  }

  async get(r: LegacyRequest): Promise<void> {
    const { req, res } = r;
    if (!accepts(req, 'text/event-stream')) {
      return sendRpcError(res, 406, SERVER_ERROR, 'Not Acceptable: Accept must list text/event-stream');
    }
    const lastEventId = req.headers['last-event-id'];
    const resumeFrom = typeof lastEventId === 'string' ? parseEventId(lastEventId) : null;
    if (typeof lastEventId === 'string' && !resumeFrom) {
      return sendRpcError(res, 400, SERVER_ERROR, `Bad Request: Last-Event-ID ${JSON.stringify(lastEventId)} was not issued by this server`);
    }
    const session = await this.session(r);
    if (!session) return;
    const headers = { [SESSION_HEADER]: session.id };
    if (!resumeFrom) {
      // A fresh stream carries what is committed from now on. "Now" is the store's, not this node's
      // (other nodes committed since): the priming id and the stream's cursor both start there, so
      // neither a later resume nor a re-read replays what earlier connections already delivered.
      const from = await this.engine.currentSeq();
      if (session.standalone.attached) {
        return sendRpcError(res, 409, SERVER_ERROR, 'Conflict: a stream is already open for this session');
      }
      const writer = new SseWriter(res, headers);
      if (session.record.protocolVersion >= PRIMING_FROM) writer.prime(formatEventId('standalone', from));
      session.standalone.open(writer, from);
      return;
    }
    const read = (after: number) => this.engine.readEventsAfter(session.id, resumeFrom.streamId, after);
    const writer = new SseWriter(res, headers);
    // Primed with the resume point: a client cut off again before the next event then resumes from here
    // (SDK v1 clients otherwise reconnect with no Last-Event-ID at all, as a new stream).
    if (session.record.protocolVersion >= PRIMING_FROM) writer.prime(formatEventId(resumeFrom.streamId, resumeFrom.seq));
    if (resumeFrom.streamId === 'standalone') {
      await session.standalone.resume(writer, resumeFrom.seq, read);
      return;
    }
    const channel = session.channel(resumeFrom.streamId);
    if (channel && !channel.done) {
      await channel.output.resume(writer, resumeFrom.seq, read);
      return;
    }
    // The request behind this stream runs on another node, finished, or died with its node: replay what
    // was committed, then follow the stream until its response arrives (the bus says when to look).
    const follower = session.follow(resumeFrom.streamId);
    await follower.resume(writer, resumeFrom.seq, read);
    await follower.pull(read);
  }

  async delete(r: LegacyRequest): Promise<void> {
    const session = await this.session(r);
    if (!session) return;
    await this.engine.delete(session.id);
    r.res.writeHead(200).end();
  }

  /**
   * `work` (a session load or create: the store round trip before anything reaches the server), or
   * GAVE_UP if this node becomes isolated first. Its store link is then dead: the request would wait
   * until the client gives up, where a 503 has the balancer retry it on a node that can serve it. The
   * work goes on in the background and its result is dropped (a created session nobody learns of
   * expires unused).
   */
  private async unlessIsolated<T>(work: Promise<T>): Promise<T | typeof GAVE_UP> {
    const isolation = this.isolation();
    if (!isolation) return work;
    let stop = (): void => undefined;
    const gaveUp = new Promise<typeof GAVE_UP>((resolve) => {
      if (isolation.isolated) return resolve(GAVE_UP);
      stop = isolation.onIsolated(() => resolve(GAVE_UP));
    });
    try {
      return await Promise.race([work, gaveUp]);
    } finally {
      stop();
      work.catch(() => undefined);
    }
  }

  /** The request's session; answers 400 or 404 itself and returns null when there is none. */
  private async session(r: LegacyRequest) {
    const id = sessionIdOf(r.req);
    if (!id) {
      sendRpcError(r.res, 400, SERVER_ERROR, 'Bad Request: Mcp-Session-Id header is required');
      return null;
    }
    // A session live here needs no store round trip: nothing to give up (and the hot path stays plain).
    const lookup = this.engine.get(id, r.principal, r.extra);
    const session = this.engine.live.has(id) ? await lookup : await this.unlessIsolated(lookup);
    if (session === GAVE_UP) {
      sendIsolated(r.res);
      return null;
    }
    if (!session) {
      sendRpcError(r.res, 404, -32001, 'Session not found');
      return null;
    }
    return session;
  }
}
