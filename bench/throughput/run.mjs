#!/usr/bin/env node
// Throughput benchmark: tools/call of one `echo` tool on one session, req/s and p50/p99 latency, against
//   continuum  `continuum up` (durable sessions on SQLite) serving an SDK v2 echo server
//   sdk-v1     the official SDK v1 stateful Streamable HTTP server serving the same tool (anchor)
// Both run at once; the load alternates between them (continuum, sdk-v1, continuum, ...), `rounds`
// times each, and the medians are compared. The ratio is continuum / sdk-v1 from this same run.
//
//   node bench/throughput/run.mjs [--rounds 3] [--connections 50] [--duration 10] [--warmup 2] [--cpu-prof]
//
// --cpu-prof runs Continuum under node --cpu-prof and prints the top self-time functions at the end.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { printSummary, summarize } from '../lib/cpuprofile.mjs';
import { hammer, toolsCallBody } from '../lib/load.mjs';
import { callTool, checkToolResult, openSession } from '../lib/mcp.mjs';
import { startContinuum, startSdkV1, stopAll, tempDir } from '../lib/proc.mjs';
import { fmt, loadNote, median, parseArgs, writeResult } from '../lib/report.mjs';

const opts = parseArgs(process.argv.slice(2), { rounds: 3, connections: 50, duration: 10, warmup: 2, cpuProf: false });
const TEXT = 'hello';
const GOAL = { ratio: 2, p99: 'equal or better than the SDK' };

function line(label, r) {
  return (
    `  ${label.padEnd(12)} ${fmt.int(r.reqPerSec).padStart(8)} req/s   p50 ${String(r.latencyMs.p50).padStart(4)} ms   p99 ${String(r.latencyMs.p99).padStart(4)} ms   ` +
    `server CPU ${String(r.serverCpuUsPerReq).padStart(4)} µs/req on ${r.serverCpuCores.toFixed(2)} cores   non-2xx ${r.non2xx}  errors ${r.errors}`
  );
}

async function main() {
  const profDir = opts.cpuProf ? tempDir('continuum-prof-') : null;
  const continuum = await startContinuum({ nodeArgs: profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [] });
  const sdk = await startSdkV1();
  process.stdout.write(
    `throughput: tools/call echo, ${opts.connections} connections, ${opts.duration} s per run after ${opts.warmup} s warm-up, ${opts.rounds} rounds alternating\n` +
      `  continuum ${continuum.url} (pid ${continuum.pid}, durable sessions, SQLite in ${continuum.dir})\n  sdk-v1    ${sdk.url} (pid ${sdk.pid})\n`,
  );

  const sides = [];
  for (const [name, server] of [['continuum', continuum], ['sdk-v1', sdk]]) {
    const session = await openSession(server.url);
    checkToolResult(await callTool(server.url, session, 'echo', { text: TEXT }), TEXT);
    sides.push({ name, server, session, runs: [] });
  }

  const body = toolsCallBody('echo', { text: TEXT });
  for (let round = 1; round <= opts.rounds; round++) {
    for (const side of sides) {
      const r = await hammer({ url: side.server.url, headers: side.session.headers, body, pid: side.server.pid, connections: opts.connections, durationSec: opts.duration, warmupSec: opts.warmup });
      side.runs.push(r);
      process.stdout.write(line(`${side.name} #${round}`, r) + '\n');
    }
  }
  // The sessions still answer correctly after the load.
  for (const side of sides) checkToolResult(await callTool(side.server.url, side.session, 'echo', { text: TEXT }), TEXT);

  const summary = {};
  for (const side of sides) {
    summary[side.name] = {
      reqPerSec: median(side.runs.map((r) => r.reqPerSec)),
      p50Ms: median(side.runs.map((r) => r.latencyMs.p50)),
      p99Ms: median(side.runs.map((r) => r.latencyMs.p99)),
      serverCpuUsPerReq: median(side.runs.map((r) => r.serverCpuUsPerReq)),
      serverCpuCores: median(side.runs.map((r) => r.serverCpuCores)),
      failed: side.runs.reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    };
  }
  const c = summary.continuum;
  const s = summary['sdk-v1'];
  const ratio = c.reqPerSec / s.reqPerSec;
  const perRound = sides[0].runs.map((r, i) => r.reqPerSec / sides[1].runs[i].reqPerSec);
  // Throughput each would reach on a core of its own, relative: the SDK's CPU per request over Continuum's.
  const cpuRatio = s.serverCpuUsPerReq / c.serverCpuUsPerReq;
  const met = ratio >= GOAL.ratio && c.p99Ms <= s.p99Ms;
  process.stdout.write(
    `\nmedians of ${opts.rounds} runs:\n` +
      `  continuum    ${fmt.int(c.reqPerSec).padStart(8)} req/s   p50 ${c.p50Ms} ms   p99 ${c.p99Ms} ms   server CPU ${c.serverCpuUsPerReq} µs/req on ${c.serverCpuCores} cores\n` +
      `  sdk-v1       ${fmt.int(s.reqPerSec).padStart(8)} req/s   p50 ${s.p50Ms} ms   p99 ${s.p99Ms} ms   server CPU ${s.serverCpuUsPerReq} µs/req on ${s.serverCpuCores} cores\n` +
      `  ratio continuum / sdk-v1: ${fmt.ratio(ratio)} throughput (per round: ${perRound.map(fmt.ratio).join(', ')}), p99 ${c.p99Ms} vs ${s.p99Ms} ms\n` +
      `  CPU per request, sdk-v1 / continuum: ${fmt.ratio(cpuRatio)} (the throughput ratio if each server had a core to itself)\n` +
      `  goal >= ${GOAL.ratio}x at equal or better p99: ${met ? 'met' : 'NOT met'}\n`,
  );
  if (c.failed + s.failed > 0) process.stdout.write(`  warning: ${c.failed + s.failed} requests failed (non-2xx, errors or timeouts)\n`);

  await stopAll();
  let profile;
  if (profDir) {
    const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
    if (file) {
      profile = summarize(join(profDir, file), 30);
      process.stdout.write('\ncontinuum CPU profile (whole process lifetime, mostly under load):\n');
      printSummary(profile);
    } else process.stdout.write('\nno .cpuprofile was written\n');
  }
  const file = writeResult('throughput', {
    parameters: { tool: 'echo', connections: opts.connections, durationSec: opts.duration, warmupSec: opts.warmup, rounds: opts.rounds, pipelining: 1 },
    runs: Object.fromEntries(sides.map((sd) => [sd.name, sd.runs])),
    medians: summary,
    ratio: { throughput: ratio, perRound, p99: c.p99Ms / s.p99Ms, cpuPerRequest: cpuRatio },
    goal: { ...GOAL, met },
    ...(profile ? { cpuProfile: profile } : {}),
  });
  process.stdout.write(`\nresult: ${file} (${loadNote()})\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`throughput benchmark failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
