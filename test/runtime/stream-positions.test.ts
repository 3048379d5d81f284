/**
 * Where a GET stream starts. A fresh one starts at the newest event in the store (committed by any node),
 * a resumed one right after its Last-Event-ID; both announce that position in a priming event, so a
 * client cut off before the next event resumes from there instead of starting over.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import createServer from '../fixtures/durable-server.js';
import { parseEventId } from '../../src/runtime/legacy/sse.js';
import { openStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/port.js';
import { connectV1 } from '../support/clients.js';
import { within } from '../support/eventually.js';
import { rawSession, startInProcess } from '../support/in-process.js';
import { sseEvents, type SseEvent } from '../support/sse.js';

/** Opens a GET stream and returns its first `n` events (priming events included), then closes it. */
async function firstEvents(url: string, sessionId: string, n: number, lastEventId?: string): Promise<SseEvent[]> {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: { accept: 'text/event-stream', 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) },
    signal: controller.signal,
  });
  assert.equal(res.status, 200, await (res.status === 200 ? Promise.resolve('') : res.text()));
  const events: SseEvent[] = [];
  const collect = async () => {
    for await (const e of sseEvents(res)) {
      events.push(e);
      if (events.length >= n) break;
    }
  };
  try {
    await within(collect(), 10_000, () => `${events.length} of ${n} events came: ${JSON.stringify(events)}`);
  } finally {
    controller.abort();
  }
  return events;
}

describe('GET stream positions across nodes', () => {
  let a: Awaited<ReturnType<typeof startInProcess>>;
  let b: Awaited<ReturnType<typeof startInProcess>>;
  let store: Store;
  let emitter: Awaited<ReturnType<typeof connectV1>>;
  /** Event ids of the 20 notifications node a committed and delivered to `emitter`. */
  const ids: string[] = [];

  before(async () => {
    a = await startInProcess({ factory: createServer, config: { nodeId: 'a' } });
    // b starts before a commits anything: its own idea of the newest seq is stale from then on.
    b = await startInProcess({ factory: createServer, config: { nodeId: 'b', store: `sqlite:${join(a.dir, 'c.db')}` } });
    store = await openStore(`sqlite:${join(a.dir, 'c.db')}`);
    emitter = await connectV1(a.url, 'emitter');
    await emitter.client.callTool({ name: 'emit', arguments: { count: 20, intervalMs: 1 } });
    await within(emitter.receivedAtLeast(20), 10_000, () => `received ${emitter.received.length} of 20`);
    const stored = await store.events.readEventsAfter(emitter.transport.sessionId!, 'standalone', 0);
    ids.push(...stored.map((e) => `standalone|${e.seq}`));
  });

  after(async () => {
    await emitter?.client.close();
    await store?.close();
    await b?.close();
    await a?.close();
  });

  it('a fresh stream on a node that committed nothing is primed at the newest seq in the store', async () => {
    const newest = await store.events.maxSeq();
    assert.ok(newest >= 20, `a committed the notifications (newest seq ${newest})`);
    const sessionId = await rawSession(b.url);
    const [priming] = await firstEvents(b.url, sessionId, 1);
    assert.equal(priming.data, '', 'a priming event carries no data');
    assert.deepEqual(parseEventId(priming.id ?? ''), { streamId: 'standalone', seq: newest });
  });

  it('a resumed stream is primed with its resume point, then replays what follows it', async () => {
    const [priming, ...replayed] = await firstEvents(b.url, emitter.transport.sessionId!, 11, ids[9]);
    assert.equal(priming.data, '');
    assert.equal(priming.id, ids[9]);
    assert.deepEqual(replayed.map((e) => e.id), ids.slice(10, 20));
    assert.deepEqual(replayed.map((e) => (JSON.parse(e.data) as { params: { data: { i: number } } }).params.data.i), Array.from({ length: 10 }, (_, k) => 10 + k));
  });
});
