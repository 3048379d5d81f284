// The load generator: autocannon (https://github.com/mcollina/autocannon), run in-process, keep-alive
// connections, no pipelining. Each request carries a fresh JSON-RPC id (autocannon's [<id>] replacement),
// so concurrent requests of one session never share an id.
import autocannon from 'autocannon';
import { cpuSeconds } from './proc.mjs';

export const LOAD_DEFAULTS = { connections: 50, durationSec: 10, warmupSec: 2 };

function runAutocannon(opts) {
  return new Promise((resolve, reject) => {
    const instance = autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
    // Interrupted benchmark: stop the load at once.
    const stop = () => instance.stop();
    process.once('SIGINT', stop);
    instance.on('done', () => process.removeListener('SIGINT', stop));
  });
}

/**
 * POSTs `body` (a JSON string; "[<id>]" is replaced per request) to `url` with `connections`
 * concurrent connections for `durationSec` seconds, after `warmupSec` seconds of the same load
 * whose results are discarded. Counts 2xx answers; parses no response.
 * With `pid` (the server's), also measures the server's CPU time during the run: CPU per request is
 * much less disturbed than req/s by other work on a shared machine, and `serverCpuCores` (CPU seconds
 * per second) below ~0.9 under this load means the server did not get a full core.
 */
export async function hammer({ url, headers, body, pid, connections = LOAD_DEFAULTS.connections, durationSec = LOAD_DEFAULTS.durationSec, warmupSec = LOAD_DEFAULTS.warmupSec }) {
  const opts = {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
    body,
    idReplacement: true,
    connections,
    pipelining: 1,
    timeout: 10,
  };
  if (warmupSec > 0) await runAutocannon({ ...opts, duration: warmupSec });
  const cpuBefore = pid ? cpuSeconds(pid) : 0;
  const genBefore = process.cpuUsage();
  const r = await runAutocannon({ ...opts, duration: durationSec });
  const serverCpu = pid ? cpuSeconds(pid) - cpuBefore : NaN;
  const gen = process.cpuUsage(genBefore);
  const seconds = r.duration;
  return {
    ...(pid ? { serverCpuUsPerReq: Math.round((serverCpu * 1e6) / Math.max(1, r['2xx'])), serverCpuCores: Math.round((serverCpu / seconds) * 100) / 100 } : {}),
    loadGeneratorCpuCores: Math.round(((gen.user + gen.system) / 1e6 / seconds) * 100) / 100,
    reqPerSec: Math.round(r['2xx'] / seconds),
    ok: r['2xx'],
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    seconds,
    latencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, max: r.latency.max, mean: r.latency.mean },
  };
}

/** A tools/call body for autocannon, with the id left for replacement. */
export function toolsCallBody(name, args, meta) {
  return JSON.stringify({ jsonrpc: '2.0', id: '[<id>]', method: 'tools/call', params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) } });
}
