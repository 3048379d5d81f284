#!/usr/bin/env node
// Memory benchmark: resident memory per session on one node, for 10,000 sessions (initialize +
// notifications/initialized each, `concurrency` at a time, no GET streams). Three phases, one process each:
//   idle       Continuum with CONTINUUM_SESSIONS_LIVE_IDLE=1s: once every server instance is released
//              (continuum_live_sessions reaches 0) the sessions live only in the store. The goal.
//   live       Continuum with CONTINUUM_SESSIONS_LIVE_IDLE=10m: all 10,000 server instances held (context).
//   sdk-v1     the SDK v1 stateful server, which keeps every session in memory (the anchor).
// Per-session figure = (RSS after the sessions - RSS baseline) / sessions. RSS is VmRSS from
// /proc/<pid>/status. The baseline is taken after one warm-up session (released, for the idle phase).
// Each figure is read twice: after a settle period without forcing GC, and right after a full GC
// (the processes run with --expose-gc and a SIGUSR2 handler that calls gc(); the baseline is read the
// same two ways).
//
//   node bench/memory/run.mjs [--sessions 10000] [--concurrency 20] [--settle 5] [--phases idle,live,sdk-v1]
import { metricValue, openSession } from '../lib/mcp.mjs';
import { GC_PRELOAD, rssBytes, sleep, startContinuum, startSdkV1, stopAll } from '../lib/proc.mjs';
import { fmt, parseArgs, writeResult } from '../lib/report.mjs';

const opts = parseArgs(process.argv.slice(2), { sessions: 10_000, concurrency: 20, settle: 5, phases: 'idle,live,sdk-v1' });
const GOAL_BYTES = 2048;
const CREATE_TIMEOUT_MS = 600_000;
const RELEASE_TIMEOUT_MS = 120_000;

/** Opens `n` sessions, `concurrency` at a time; bounded by CREATE_TIMEOUT_MS. */
async function createSessions(url, n, concurrency) {
  const started = Date.now();
  let next = 0;
  let failed = 0;
  const worker = async () => {
    while (next < n) {
      if (Date.now() - started > CREATE_TIMEOUT_MS) throw new Error(`creating ${n} sessions took over ${CREATE_TIMEOUT_MS / 1000} s`);
      next++;
      try {
        await openSession(url);
      } catch (err) {
        if (++failed > 10) throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  if (failed) throw new Error(`${failed} sessions failed to open`);
  return { seconds: (Date.now() - started) / 1000 };
}

async function waitFor(what, fn, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await fn()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(250);
  }
}

const liveSessions = (server) => metricValue(server.base, 'continuum_live_sessions');

/**
 * RSS after `settle` seconds without forcing GC, then right after a full GC. For Continuum also the V8
 * heap in use after the GC (from /metrics), which tells retained objects from memory V8 keeps mapped.
 */
async function readRss(server, continuum) {
  await sleep(opts.settle * 1000);
  const settled = rssBytes(server.pid);
  server.proc.kill('SIGUSR2');
  await sleep(1000);
  const afterGc = rssBytes(server.pid);
  const heapUsedAfterGc = continuum ? await metricValue(server.base, 'continuum_process_nodejs_heap_size_used_bytes') : undefined;
  return { settled, afterGc, ...(continuum ? { heapUsedAfterGc } : {}) };
}

function perSession(after, baseline, n) {
  const r = { settled: (after.settled - baseline.settled) / n, afterGc: (after.afterGc - baseline.afterGc) / n };
  if (after.heapUsedAfterGc != null) r.heapUsedAfterGc = (after.heapUsedAfterGc - baseline.heapUsedAfterGc) / n;
  return r;
}

function report(name, r) {
  process.stdout.write(
    `  ${name}: baseline ${fmt.bytes(r.baseline.settled)} (after GC ${fmt.bytes(r.baseline.afterGc)}), with sessions ${fmt.bytes(r.after.settled)} (after GC ${fmt.bytes(r.after.afterGc)})\n` +
      `    per session: ${fmt.bytes(r.perSession.settled)} settled, ${fmt.bytes(r.perSession.afterGc)} after GC` +
      (r.perSession.heapUsedAfterGc != null ? ` (V8 heap in use after GC: ${fmt.bytes(r.perSession.heapUsedAfterGc)})` : '') +
      '\n',
  );
}

const GC_ARGS = ['--expose-gc'];

async function continuumPhase(name, env, waitRelease) {
  const server = await startContinuum({ name: `continuum-${name}`, env, nodeArgs: [...GC_ARGS, '--import', GC_PRELOAD] });
  try {
    process.stdout.write(`${name}: continuum pid ${server.pid}, ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    await openSession(server.url);
    if (waitRelease) await waitFor('the warm-up session to be released', async () => (await liveSessions(server)) === 0, RELEASE_TIMEOUT_MS);
    const baseline = await readRss(server, true);
    const created = await createSessions(server.url, opts.sessions, opts.concurrency);
    process.stdout.write(`  created ${opts.sessions} sessions in ${created.seconds.toFixed(1)} s (${fmt.int(opts.sessions / created.seconds)}/s)\n`);
    const liveAtEnd = await liveSessions(server);
    const rssAtEnd = rssBytes(server.pid);
    let releasedAfterSec = null;
    if (waitRelease) {
      const t = Date.now();
      await waitFor('every server instance to be released (continuum_live_sessions = 0)', async () => (await liveSessions(server)) === 0, RELEASE_TIMEOUT_MS);
      releasedAfterSec = (Date.now() - t) / 1000;
    }
    const rssAtRelease = rssBytes(server.pid);
    const after = await readRss(server, true);
    const stored = await metricValue(server.base, 'continuum_sessions_created_total');
    const r = {
      baseline,
      after,
      perSession: perSession(after, baseline, opts.sessions),
      liveWhenCreated: liveAtEnd,
      rssWhenCreated: rssAtEnd,
      ...(waitRelease ? { releasedAfterSec, rssAtRelease, perSessionAtRelease: (rssAtRelease - baseline.settled) / opts.sessions } : {}),
      sessionsCreated: stored,
      liveAtEnd: await liveSessions(server),
      createSeconds: created.seconds,
    };
    if (waitRelease) process.stdout.write(`  live sessions when creation ended: ${liveAtEnd}; all released ${releasedAfterSec.toFixed(1)} s later; per session right at release ${fmt.bytes(r.perSessionAtRelease)}\n`);
    else process.stdout.write(`  live sessions: ${r.liveAtEnd}\n`);
    report(name, r);
    return r;
  } finally {
    await server.stop();
  }
}

async function sdkPhase() {
  const server = await startSdkV1({ nodeArgs: GC_ARGS });
  try {
    process.stdout.write(`sdk-v1: pid ${server.pid}\n`);
    await openSession(server.url);
    const baseline = await readRss(server);
    const created = await createSessions(server.url, opts.sessions, opts.concurrency);
    process.stdout.write(`  created ${opts.sessions} sessions in ${created.seconds.toFixed(1)} s (${fmt.int(opts.sessions / created.seconds)}/s)\n`);
    const after = await readRss(server);
    const health = await (await fetch(`${server.base}/healthz`)).json();
    const r = { baseline, after, perSession: perSession(after, baseline, opts.sessions), sessionsHeld: health.sessions, createSeconds: created.seconds };
    process.stdout.write(`  sessions held: ${health.sessions}\n`);
    report('sdk-v1', r);
    return r;
  } finally {
    await server.stop();
  }
}

async function main() {
  const phases = opts.phases.split(',');
  process.stdout.write(`memory: ${opts.sessions} sessions, ${opts.concurrency} at a time, settle ${opts.settle} s; phases ${phases.join(', ')}\n`);
  const results = {};
  for (const phase of phases) {
    if (phase === 'idle') results.idle = await continuumPhase('idle', { CONTINUUM_SESSIONS_LIVE_IDLE: '1s' }, true);
    else if (phase === 'live') results.live = await continuumPhase('live', { CONTINUUM_SESSIONS_LIVE_IDLE: '10m', CONTINUUM_SESSIONS_MAX_LIVE: String(opts.sessions * 2) }, false);
    else if (phase === 'sdk-v1') results['sdk-v1'] = await sdkPhase();
    else throw new Error(`unknown phase ${phase} (known: idle, live, sdk-v1)`);
  }

  process.stdout.write('\nper session (RSS growth / sessions):\n');
  for (const [name, r] of Object.entries(results)) {
    process.stdout.write(`  ${name.padEnd(8)} ${fmt.bytes(r.perSession.settled).padStart(10)} settled   ${fmt.bytes(r.perSession.afterGc).padStart(10)} after GC\n`);
  }
  let goal;
  if (results.idle) {
    const v = results.idle.perSession;
    goal = { maxBytes: GOAL_BYTES, met: Math.max(v.settled, v.afterGc) <= GOAL_BYTES };
    process.stdout.write(`  goal <= ${GOAL_BYTES} B per idle session: ${goal.met ? 'met' : 'NOT met'}\n`);
  }
  const ratios = {};
  if (results.idle && results['sdk-v1']) {
    ratios.idleVsSdk = { settled: results.idle.perSession.settled / results['sdk-v1'].perSession.settled, afterGc: results.idle.perSession.afterGc / results['sdk-v1'].perSession.afterGc };
    process.stdout.write(`  continuum idle / sdk-v1: ${ratios.idleVsSdk.settled.toFixed(3)} settled, ${ratios.idleVsSdk.afterGc.toFixed(3)} after GC\n`);
  }
  if (results.live && results['sdk-v1']) {
    ratios.liveVsSdk = { settled: results.live.perSession.settled / results['sdk-v1'].perSession.settled, afterGc: results.live.perSession.afterGc / results['sdk-v1'].perSession.afterGc };
    process.stdout.write(`  continuum live / sdk-v1: ${ratios.liveVsSdk.settled.toFixed(2)} settled, ${ratios.liveVsSdk.afterGc.toFixed(2)} after GC\n`);
  }
  const file = writeResult('memory', {
    parameters: { sessions: opts.sessions, concurrency: opts.concurrency, settleSec: opts.settle, gc: 'SIGUSR2 -> gc() (--expose-gc)', rss: '/proc/<pid>/status VmRSS' },
    phases: results,
    ratios,
    ...(goal ? { goal } : {}),
  });
  process.stdout.write(`\nresult: ${file}\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`memory benchmark failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
