import { Client as ClientV2, StreamableHTTPClientTransport as HttpV2 } from '@modelcontextprotocol/client';
import { Client as ClientV1 } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport as HttpV1, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import type { LoadSpec } from '../experiment/schema.js';
import { History, type OpKind } from './history.js';
import { TICKER_URI } from './server.js';

/** GET streams reconnect quickly and keep trying through an outage (the SDK's default gives up after 2). */
const reconnectOptions = () => ({ initialReconnectionDelay: 100, maxReconnectionDelay: 1000, reconnectionDelayGrowFactor: 1.5, maxRetries: 10_000 });
const RETRY_DELAY_MS = 25;

interface Session {
  index: number;
  client: ClientV1;
  transport: HttpV1;
  id: string;
  subscribed: boolean;
  updates: number;
  lost: string | null;
}

export interface LoadOptions {
  url: string;
  headers: Record<string, string>;
  spec: LoadSpec;
  history: History;
  log: (line: string) => void;
  /** Called for each new session acknowledged during the drill (an acknowledged write). */
  onAcknowledged?: (sessionId: string) => void;
}

export interface Verification {
  sessionsTotal: number;
  /** Sessions that got 404 during the drill or whose final ping failed. */
  sessionsLost: { id: string; reason: string }[];
  subscriptionsTotal: number;
  /** Subscribed sessions whose update did not reach their GET stream at the end. */
  subscriptionsLost: { id: string; reason: string }[];
}

/**
 * Steady MCP load from official SDK clients: `spec.sessions` 2025-era sessions (SDK v1, each with its GET
 * stream open, a share of them subscribed to a resource), a few 2026-era clients (SDK v2 pinned to
 * 2026-07-28, stateless requests), `spec.workers` request loops that retry a failed call at once as a
 * client would, and a trickle of new sessions whose acknowledgement is checked against the store later.
 */
export class LoadGenerator {
  readonly sessions: Session[] = [];
  readonly acknowledged: string[] = [];
  private modern: ClientV2[] = [];
  private running = false;
  private workers: Promise<void>[] = [];
  private churn?: Promise<void>;
  private rr = 0;
  /** Shared by every transport: SDK v1 keeps scheduling reconnections after close() while retries remain,
   * so closing sets maxRetries to 0 here, which stops them all. */
  private readonly reconnect = reconnectOptions();

  constructor(private readonly o: LoadOptions) {}

  private get h(): History {
    return this.o.history;
  }

  async start(): Promise<void> {
    const { spec } = this.o;
    const subscribedCount = Math.round(spec.sessions * spec.subscribed);
    for (let i = 0; i < spec.sessions; i += 20) {
      await Promise.all(Array.from({ length: Math.min(20, spec.sessions - i) }, (_, k) => this.openSession(i + k, i + k < subscribedCount)));
      if (i > 0 && i % 200 === 0) this.o.log(`load: ${i} sessions open`);
    }
    if (spec.modern > 0) {
      for (let i = 0; i < Math.min(4, spec.workers); i++) {
        const c = new ClientV2({ name: `drill-modern-${i}`, version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
        await c.connect(new HttpV2(new URL(this.o.url), { requestInit: { headers: this.o.headers } }));
        this.modern.push(c);
      }
    }
    this.running = true;
    this.workers = Array.from({ length: spec.workers }, (_, w) => this.work(w));
    if (spec.newSessionsPerSecond > 0) this.churn = this.churnLoop();
    this.o.log(`load: ${this.sessions.length} sessions (${subscribedCount} subscribed), ${this.modern.length} 2026-era clients, ${spec.workers} workers`);
  }

  /** Opens one held session; a client retries a failed initialize a few times before giving up. */
  private async openSession(index: number, subscribe: boolean): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.openSessionOnce(index, subscribe);
      } catch (err) {
        if (attempt >= 5) throw err;
        await sleep(500 * attempt);
      }
    }
  }

  private async openSessionOnce(index: number, subscribe: boolean): Promise<void> {
    const client = new ClientV1({ name: `drill-${index}`, version: '1.0.0' });
    const transport = new HttpV1(new URL(this.o.url), { reconnectionOptions: this.reconnect, requestInit: { headers: this.o.headers } });
    const s: Session = { index, client, transport, id: '', subscribed: subscribe, updates: 0, lost: null };
    client.setNotificationHandler(ResourceUpdatedNotificationSchema, () => void s.updates++);
    client.onerror = () => undefined;
    try {
      await client.connect(transport, { timeout: this.o.spec.requestTimeout });
      s.id = transport.sessionId ?? '';
      if (subscribe) await client.subscribeResource({ uri: TICKER_URI }, { timeout: this.o.spec.requestTimeout });
    } catch (err) {
      // Acknowledged (it has an id) but already failing: a lost session, counted as such. Without an id
      // the service could not even start a session (retried by the caller).
      if (!transport.sessionId) {
        await transport.close().catch(() => undefined);
        throw new Error(`could not open MCP session ${index} at ${this.o.url}: ${describe(err)}`, { cause: err });
      }
      s.id = transport.sessionId;
      s.lost = `failed while opening: ${describe(err)}`;
    }
    this.sessions.push(s);
  }

  /** One request loop: pick a session (or a 2026-era client), call, retry until it succeeds. */
  private async work(w: number): Promise<void> {
    const modernEvery = this.o.spec.modern > 0 ? Math.max(1, Math.round(1 / this.o.spec.modern)) : 0;
    let n = w;
    while (this.running) {
      n++;
      if (modernEvery && n % modernEvery === 0 && this.modern.length) {
        const c = this.modern[n % this.modern.length];
        await this.logical('modern', (signal) => c.callTool({ name: 'echo', arguments: { text: 'x' } }, { signal, timeout: this.o.spec.requestTimeout }));
        continue;
      }
      const s = this.pick();
      if (!s) {
        await sleep(100);
        continue;
      }
      await this.logical('call', (signal) => s.client.callTool({ name: 'echo', arguments: { text: 'x' } }, undefined, { signal, timeout: this.o.spec.requestTimeout }), s);
    }
  }

  private pick(): Session | undefined {
    for (let tries = 0; tries < this.sessions.length; tries++) {
      const s = this.sessions[this.rr++ % this.sessions.length];
      if (!s.lost) return s;
    }
    return undefined;
  }

  /** A call as a client makes it: attempts until one succeeds (or the drill stops, or the session is gone). */
  private async logical(kind: OpKind, attempt: (signal: AbortSignal) => Promise<unknown>, s?: Session): Promise<void> {
    const start = this.h.now();
    let attempts = 0;
    for (;;) {
      attempts++;
      const t = this.h.now();
      try {
        await attempt(AbortSignal.timeout(this.o.spec.requestTimeout));
        const end = this.h.now();
        this.h.record({ kind, start: t, end, outcome: 'ok' });
        this.h.logical.push({ start, end, attempts, ok: true });
        return;
      } catch (err) {
        const end = this.h.now();
        const msg = describe(err);
        const timedOut = /timed? ?out|abort/i.test(msg);
        this.h.record({ kind, start: t, end, outcome: timedOut ? 'unknown' : 'fail', error: msg });
        if (s && isNotFound(err)) s.lost = `404 during the drill: ${msg}`;
        if (!this.running || s?.lost) {
          this.h.logical.push({ start, end, attempts, ok: false });
          return;
        }
        await sleep(RETRY_DELAY_MS);
      }
    }
  }

  /** New sessions at a steady rate; each acknowledged one is a write that must survive. */
  private async churnLoop(): Promise<void> {
    const every = 1000 / this.o.spec.newSessionsPerSecond;
    let i = 0;
    while (this.running) {
      const t = this.h.now();
      const client = new ClientV1({ name: `drill-new-${i++}`, version: '1.0.0' });
      const transport = new HttpV1(new URL(this.o.url), { requestInit: { headers: this.o.headers } });
      client.onerror = () => undefined;
      try {
        await withTimeout(client.connect(transport, { timeout: this.o.spec.requestTimeout }), this.o.spec.requestTimeout);
        this.h.record({ kind: 'initialize', start: t, end: this.h.now(), outcome: 'ok' });
        if (transport.sessionId) {
          this.acknowledged.push(transport.sessionId);
          this.o.onAcknowledged?.(transport.sessionId);
        }
      } catch (err) {
        const msg = describe(err);
        this.h.record({ kind: 'initialize', start: t, end: this.h.now(), outcome: /timed? ?out|abort/i.test(msg) ? 'unknown' : 'fail', error: msg });
      }
      // Leave the session in the store (no DELETE): it is checked for at the end.
      await transport.close().catch(() => undefined);
      await sleep(Math.max(0, every - (this.h.now() - t)));
    }
  }

  /** Stops the request loops (in-flight calls finish or time out). */
  async stopLoad(): Promise<void> {
    this.running = false;
    await Promise.all(this.workers);
    await this.churn;
  }

  /**
   * Every session answers a ping with its own id (not 404), and every subscribed session receives the
   * update `touch` announces on its GET stream, within `waitMs`.
   */
  async verify(waitMs: number): Promise<Verification> {
    const lost: { id: string; reason: string }[] = [];
    const subsLost: { id: string; reason: string }[] = [];
    const subscribed = this.sessions.filter((s) => s.subscribed);
    const before = new Map(subscribed.map((s) => [s, s.updates]));
    await pool(this.sessions, 20, async (s) => {
      if (s.lost) return void lost.push({ id: s.id, reason: s.lost });
      const t = this.h.now();
      for (let attempt = 1; ; attempt++) {
        try {
          await s.client.ping({ timeout: this.o.spec.requestTimeout });
          this.h.record({ kind: 'verify', start: t, end: this.h.now(), outcome: 'ok' });
          if (s.subscribed) await s.client.callTool({ name: 'touch', arguments: { uri: TICKER_URI } }, undefined, { timeout: this.o.spec.requestTimeout });
          return;
        } catch (err) {
          if (isNotFound(err) || attempt >= 3) {
            this.h.record({ kind: 'verify', start: t, end: this.h.now(), outcome: 'fail', error: describe(err) });
            return void lost.push({ id: s.id, reason: `final check: ${describe(err)}` });
          }
          await sleep(200);
        }
      }
    });
    const lostIds = new Set(lost.map((l) => l.id));
    const deadline = this.h.now() + waitMs;
    const pending = () => subscribed.filter((s) => !lostIds.has(s.id) && s.updates <= before.get(s)!);
    while (pending().length && this.h.now() < deadline) await sleep(50);
    for (const s of subscribed) {
      if (lostIds.has(s.id)) subsLost.push({ id: s.id, reason: 'session lost' });
      else if (s.updates <= before.get(s)!) subsLost.push({ id: s.id, reason: `no resource update reached the GET stream within ${waitMs} ms` });
    }
    return { sessionsTotal: this.sessions.length + this.acknowledged.length, sessionsLost: lost, subscriptionsTotal: subscribed.length, subscriptionsLost: subsLost };
  }

  async close(): Promise<void> {
    this.running = false;
    this.reconnect.maxRetries = 0;
    await Promise.all([...this.sessions.map((s) => s.transport.close().catch(() => undefined)), ...this.modern.map((c) => c.close().catch(() => undefined))]);
  }
}

function isNotFound(err: unknown): boolean {
  return (err instanceof StreamableHTTPError && err.code === 404) || /\b404\b|session not found/i.test(describe(err));
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message.slice(0, 300) : String(err);
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => (clearTimeout(t), resolve(v)),
      (e: unknown) => (clearTimeout(t), reject(e as Error)),
    );
  });
}

async function pool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(size, items.length) }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}
