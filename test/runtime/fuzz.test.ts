import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { isJsonRpcMessage } from '../../src/protocol/jsonrpc.js';
import { formatEventId, parseEventId } from '../../src/runtime/legacy/sse.js';
import { httpRequest, initializeBody, MCP_HEADERS, rawSession, startInProcess } from '../support/in-process.js';

const methods = fc.constantFrom('initialize', 'ping', 'tools/list', 'tools/call', 'resources/subscribe', 'logging/setLevel', 'notifications/initialized', 'notifications/cancelled', '', 'x'.repeat(300));
const jsonRpcish = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0', 2, null),
    id: fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.double(), fc.object()),
    method: fc.oneof(methods, fc.string(), fc.integer()),
    params: fc.oneof(fc.object(), fc.array(fc.anything()), fc.string(), fc.constant(null)),
    result: fc.anything(),
    error: fc.anything(),
  },
  { requiredKeys: [] },
);
const body = fc.oneof(
  jsonRpcish.map((v) => JSON.stringify(v)),
  fc.array(jsonRpcish, { maxLength: 4 }).map((v) => JSON.stringify(v)),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('fuzz: the /mcp request path', () => {
  let h: Awaited<ReturnType<typeof startInProcess>>;
  let sessionId: string;
  before(async () => {
    h = await startInProcess();
    sessionId = await rawSession(h.url);
  });
  after(() => h.close());

  it('never answers 5xx or non-JSON to arbitrary bodies and headers, and keeps serving', async () => {
    await fc.assert(
      fc.asyncProperty(
        body,
        fc.boolean(),
        fc.option(fc.constantFrom('2025-11-25', '2025-06-18', '2026-07-28', 'garbage', ''), { nil: undefined }),
        fc.option(fc.string({ maxLength: 40 }).filter((s) => /^[\x20-\x7e]*$/.test(s)), { nil: undefined }),
        async (text, withSession, version, lastEventId) => {
          const headers: Record<string, string> = { ...MCP_HEADERS };
          if (withSession) headers['mcp-session-id'] = sessionId;
          if (version !== undefined) headers['mcp-protocol-version'] = version;
          if (lastEventId !== undefined) headers['last-event-id'] = lastEventId;
          // A request the node never answers is a failure with its input shown, not a hung suite.
          const res = await httpRequest(h.url, { method: 'POST', headers, body: text, timeoutMs: 5000 });
          assert.ok(res.status < 500, `status ${res.status} for ${JSON.stringify(text).slice(0, 200)}: ${res.text.slice(0, 200)}`);
          if (res.status >= 400) {
            const parsed = JSON.parse(res.text) as { jsonrpc?: string; error?: { code: number } };
            assert.equal(parsed.jsonrpc, '2.0');
            assert.equal(typeof parsed.error?.code, 'number');
          }
        },
      ),
      { numRuns: 300 },
    );
    // The session survived all of it.
    const ok = await httpRequest(h.url, { method: 'POST', headers: { ...MCP_HEADERS, 'mcp-session-id': sessionId }, body: JSON.stringify({ jsonrpc: '2.0', id: 'after', method: 'ping' }) });
    assert.equal(ok.status, 200);
    const init = await httpRequest(h.url, { method: 'POST', headers: MCP_HEADERS, body: JSON.stringify(initializeBody()) });
    assert.equal(init.status, 200);
  });
});

describe('fuzz: parsers', () => {
  it('parseEventId accepts exactly what formatEventId produces', () => {
    fc.assert(
      fc.property(fc.constantFrom('standalone', 'post:abcDEF_-123'), fc.nat({ max: 2 ** 48 }), (stream, seq) => {
        assert.deepEqual(parseEventId(formatEventId(stream, seq)), { streamId: stream, seq });
      }),
    );
    fc.assert(
      fc.property(fc.string(), (s) => {
        const parsed = parseEventId(s);
        if (parsed) assert.equal(formatEventId(parsed.streamId, parsed.seq), s.replace(/\|0+(\d)/, '|$1'));
      }),
    );
  });

  it('isJsonRpcMessage never throws and accepts only 2.0 messages of one kind', () => {
    fc.assert(
      fc.property(fc.oneof(jsonRpcish, fc.anything()), (v) => {
        const ok = isJsonRpcMessage(v);
        if (ok) {
          const m = v as Record<string, unknown>;
          assert.equal(m.jsonrpc, '2.0');
          assert.ok(typeof m.method === 'string' || 'result' in m !== 'error' in m);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
