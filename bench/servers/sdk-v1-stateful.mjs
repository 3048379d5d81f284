// The anchor of the benchmarks: the official SDK v1 (@modelcontextprotocol/sdk) *stateful* Streamable
// HTTP server, as the SDK documents it (one StreamableHTTPServerTransport and one McpServer per session,
// kept in a map by session id), on a plain node:http server instead of express. enableJsonResponse is
// left at the SDK default (false), so POST requests are answered with an SSE stream.
//
//   node bench/servers/sdk-v1-stateful.mjs [port]     prints "listening http://127.0.0.1:<port>/mcp"
//
// GET /healthz answers {"sessions": <count>}. Started with --expose-gc, SIGUSR2 runs a full GC (the memory
// benchmark uses it to measure after a GC).
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { z } from 'zod';

function createMcpServer() {
  const server = new McpServer({ name: 'bench-echo-sdk-v1', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes its input', inputSchema: { text: z.string() } }, async ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool(
    'progress',
    { description: 'Sends `steps` progress notifications, then echoes', inputSchema: { text: z.string(), steps: z.number().int().min(0).max(100) } },
    async ({ text, steps }, extra) => {
      const progressToken = extra._meta?.progressToken;
      if (progressToken !== undefined) {
        for (let s = 1; s <= steps; s++) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: s, total: steps } });
        }
      }
      return { content: [{ type: 'text', text }] };
    },
  );
  return server;
}

/** Open sessions: session id -> transport. */
const transports = new Map();

function sendJson(res, status, body) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

function rpcError(res, status, message) {
  sendJson(res, status, { jsonrpc: '2.0', error: { code: -32000, message }, id: null });
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

async function handle(req, res) {
  const path = (req.url ?? '/').split('?', 1)[0];
  if (path === '/healthz') return sendJson(res, 200, { status: 'ok', sessions: transports.size });
  if (path !== '/mcp') return sendJson(res, 404, { error: 'not found' });
  const sessionId = req.headers['mcp-session-id'];
  if (req.method === 'POST') {
    let body;
    try {
      body = JSON.parse(await readBody(req));
    } catch {
      return sendJson(res, 400, { jsonrpc: '2.0', error: { code: -32700, message: 'Parse error' }, id: null });
    }
    let transport;
    if (sessionId && transports.has(sessionId)) {
      transport = transports.get(sessionId);
    } else if (!sessionId && isInitializeRequest(body)) {
      transport = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        onsessioninitialized: (id) => {
          transports.set(id, transport);
        },
      });
      transport.onclose = () => {
        if (transport.sessionId) transports.delete(transport.sessionId);
      };
      await createMcpServer().connect(transport);
    } else {
      return rpcError(res, 400, 'Bad Request: No valid session ID provided');
    }
    return transport.handleRequest(req, res, body);
  }
  if (req.method === 'GET' || req.method === 'DELETE') {
    if (!sessionId || !transports.has(sessionId)) return rpcError(res, 400, 'Invalid or missing session ID');
    return transports.get(sessionId).handleRequest(req, res);
  }
  return rpcError(res, 405, 'Method not allowed');
}

const httpServer = createServer((req, res) => {
  handle(req, res).catch((err) => {
    if (!res.headersSent) rpcError(res, 500, `Internal error: ${err.message}`);
    else res.end();
  });
});

const port = Number(process.argv[2] ?? 0);
httpServer.listen(port, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${httpServer.address().port}/mcp\n`);
});

if (typeof globalThis.gc === 'function') process.on('SIGUSR2', () => globalThis.gc());

function stop() {
  for (const t of transports.values()) void t.close();
  httpServer.close(() => process.exit(0));
  httpServer.closeAllConnections();
  setTimeout(() => process.exit(0), 2000).unref();
}
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
