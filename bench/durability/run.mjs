#!/usr/bin/env node
// Durability overhead benchmark: the cost of persisting sessions and SSE events. Two Continuum nodes
// serve the same SDK v2 server at once, one durable (sessions and events committed to SQLite, the
// default) and one with CONTINUUM_SESSIONS_DURABLE=false (in-memory store); the load alternates between
// them, `rounds` times each, for two workloads on one session each:
//   echo      tools/call answered at once (JSON response: no event is committed, only the session)
//   progress  tools/call that sends 3 progress notifications (progressToken in _meta) before its result:
//             the response becomes an SSE stream and each of its 4 events is committed before it is written
// Reports the throughput of durable / not durable per workload (medians), and the cost 1 - ratio.
//
//   node bench/durability/run.mjs [--rounds 3] [--connections 50] [--duration 10] [--warmup 2] [--steps 3] [--workloads echo,progress]
import { hammer, toolsCallBody } from '../lib/load.mjs';
import { callTool, checkToolResult, metricValue, openSession } from '../lib/mcp.mjs';
import { startContinuum, stopAll } from '../lib/proc.mjs';
import { fmt, loadNote, median, parseArgs, writeResult } from '../lib/report.mjs';

const opts = parseArgs(process.argv.slice(2), { rounds: 3, connections: 50, duration: 10, warmup: 2, steps: 3, workloads: 'echo,progress' });
const TEXT = 'hello';
const GOAL_MAX_COST = 0.1;

const WORKLOADS = {
  echo: { tool: 'echo', args: { text: TEXT }, meta: undefined, progress: 0 },
  progress: { tool: 'progress', args: { text: TEXT, steps: opts.steps }, meta: { progressToken: 'bench' }, progress: opts.steps },
};

function line(label, r) {
  return (
    `  ${label.padEnd(24)} ${fmt.int(r.reqPerSec).padStart(8)} req/s   p50 ${String(r.latencyMs.p50).padStart(4)} ms   p99 ${String(r.latencyMs.p99).padStart(4)} ms   ` +
    `server CPU ${String(r.serverCpuUsPerReq).padStart(4)} µs/req on ${r.serverCpuCores.toFixed(2)} cores   non-2xx ${r.non2xx}  errors ${r.errors}`
  );
}

async function main() {
  const workloads = opts.workloads.split(',').map((w) => {
    if (!WORKLOADS[w]) throw new Error(`unknown workload ${w} (known: ${Object.keys(WORKLOADS).join(', ')})`);
    return [w, WORKLOADS[w]];
  });
  const durable = await startContinuum({ name: 'continuum-durable' });
  const volatile = await startContinuum({ name: 'continuum-not-durable', env: { CONTINUUM_SESSIONS_DURABLE: 'false' } });
  process.stdout.write(
    `durability: ${workloads.map(([w]) => w).join(' and ')}, ${opts.connections} connections, ${opts.duration} s per run after ${opts.warmup} s warm-up, ${opts.rounds} rounds alternating\n` +
      `  durable      ${durable.url} (pid ${durable.pid}, SQLite in ${durable.dir}, synchronous=FULL)\n` +
      `  not durable  ${volatile.url} (pid ${volatile.pid}, CONTINUUM_SESSIONS_DURABLE=false)\n`,
  );
  const sides = [];
  for (const [name, server] of [['durable', durable], ['not-durable', volatile]]) {
    sides.push({ name, server, session: await openSession(server.url) });
  }

  const results = {};
  for (const [wname, w] of workloads) {
    for (const side of sides) {
      checkToolResult(await callTool(side.server.url, side.session, w.tool, w.args, w.meta), TEXT, w.progress);
    }
    const body = toolsCallBody(w.tool, w.args, w.meta);
    const runs = { durable: [], 'not-durable': [] };
    const committedBefore = await metricValue(durable.base, 'continuum_events_committed_total');
    for (let round = 1; round <= opts.rounds; round++) {
      for (const side of sides) {
        const r = await hammer({ url: side.server.url, headers: side.session.headers, body, pid: side.server.pid, connections: opts.connections, durationSec: opts.duration, warmupSec: opts.warmup });
        runs[side.name].push(r);
        process.stdout.write(line(`${wname} ${side.name} #${round}`, r) + '\n');
      }
    }
    for (const side of sides) {
      checkToolResult(await callTool(side.server.url, side.session, w.tool, w.args, w.meta), TEXT, w.progress);
    }
    const committed = (await metricValue(durable.base, 'continuum_events_committed_total')) - committedBefore;
    const med = (name) => ({
      reqPerSec: median(runs[name].map((r) => r.reqPerSec)),
      p50Ms: median(runs[name].map((r) => r.latencyMs.p50)),
      p99Ms: median(runs[name].map((r) => r.latencyMs.p99)),
      serverCpuUsPerReq: median(runs[name].map((r) => r.serverCpuUsPerReq)),
      serverCpuCores: median(runs[name].map((r) => r.serverCpuCores)),
      failed: runs[name].reduce((n, r) => n + r.non2xx + r.errors + r.timeouts, 0),
    });
    const d = med('durable');
    const v = med('not-durable');
    const ratio = d.reqPerSec / v.reqPerSec;
    const perRound = runs.durable.map((r, i) => r.reqPerSec / runs['not-durable'][i].reqPerSec);
    // CPU per request, not durable over durable: the throughput ratio if each had a core to itself
    // (blocking fsync time is not CPU time, so this leaves out time spent waiting for the disk).
    const cpuRatio = v.serverCpuUsPerReq / d.serverCpuUsPerReq;
    results[wname] = {
      runs,
      medians: { durable: d, 'not-durable': v },
      ratio,
      perRound,
      cpuPerRequestRatio: cpuRatio,
      cost: 1 - ratio,
      eventsCommittedByDurableNode: committed,
      goal: { maxCost: GOAL_MAX_COST, met: 1 - ratio <= GOAL_MAX_COST },
    };
    process.stdout.write(
      `  ${wname}: durable ${fmt.int(d.reqPerSec)} req/s (p99 ${d.p99Ms} ms) vs not durable ${fmt.int(v.reqPerSec)} req/s (p99 ${v.p99Ms} ms): ` +
        `ratio ${fmt.ratio(ratio)} (per round ${perRound.map(fmt.ratio).join(', ')}), cost ${fmt.pct(1 - ratio)}; ` +
        `CPU per request ${d.serverCpuUsPerReq} vs ${v.serverCpuUsPerReq} µs (ratio ${fmt.ratio(cpuRatio)}); ` +
        `goal <= ${fmt.pct(GOAL_MAX_COST)}: ${1 - ratio <= GOAL_MAX_COST ? 'met' : 'NOT met'}` +
        (w.progress ? `; ${fmt.int(committed)} events committed by the durable node` : '') +
        '\n\n',
    );
    if (d.failed + v.failed > 0) process.stdout.write(`  warning: ${d.failed + v.failed} requests failed (non-2xx, errors or timeouts)\n`);
  }

  process.stdout.write('medians:\n');
  for (const [wname, r] of Object.entries(results)) {
    process.stdout.write(
      `  ${wname.padEnd(9)} durable ${fmt.int(r.medians.durable.reqPerSec).padStart(7)} req/s   not durable ${fmt.int(r.medians['not-durable'].reqPerSec).padStart(7)} req/s   ratio ${fmt.ratio(r.ratio)}   cost ${fmt.pct(r.cost)}   ${r.goal.met ? 'met' : 'NOT met'}` +
        `   (CPU/req ratio ${fmt.ratio(r.cpuPerRequestRatio)})\n`,
    );
  }
  const file = writeResult('durability', {
    parameters: { connections: opts.connections, durationSec: opts.duration, warmupSec: opts.warmup, rounds: opts.rounds, progressSteps: opts.steps, sqlite: 'WAL, synchronous=FULL' },
    workloads: results,
  });
  process.stdout.write(`\nresult: ${file} (${loadNote()})\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`durability benchmark failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
