#!/usr/bin/env node
// Memory benchmark: resident memory per session on one node, for 10,000 sessions (initialize +
// notifications/initialized each, `concurrency` at a time, no GET streams). Three phases, one process each:
//   idle     Continuum with CONTINUUM_SESSIONS_LIVE_IDLE=1s: once every server instance is released
//            (continuum_live_sessions reaches 0) the sessions live only in the store. The goal's figure.
//   live     Continuum with CONTINUUM_SESSIONS_LIVE_IDLE=10m: all server instances held (context).
//   sdk-v1   the SDK v1 stateful server, which holds every session in memory (the anchor).
// Per-session figure = (RSS with the sessions - RSS baseline) / sessions, RSS being VmRSS from
// /proc/<pid>/status. The baseline is read after one warm-up session (released, in the idle phase),
// `settle` seconds of quiet, and again after a full GC. With the sessions, RSS is read at once (when the
// last instance was released, or when the last session was created), 5 s later, `settle` s later, and
// after a full GC. The processes run with --expose-gc and a SIGUSR2 handler that calls gc() (there is no
// endpoint for it; "after GC" means two full GCs 2 s apart, see fullGc). Without a forced GC, V8 gives
// heap pages back only when it next collects, so the "at once" figures mostly show the peak of live
// instances during creation.
//
//   node bench/memory/run.mjs [--sessions 10000] [--concurrency 20] [--settle 30] [--phases idle,live,sdk-v1]
import { metricValue, openSession } from '../lib/mcp.mjs';
import { GC_PRELOAD, rssBreakdown, rssBytes, sleep, startContinuum, startSdkV1, stopAll } from '../lib/proc.mjs';
import { fmt, loadNote, parseArgs, writeResult } from '../lib/report.mjs';

const opts = parseArgs(process.argv.slice(2), { sessions: 10_000, concurrency: 20, settle: 30, phases: 'idle,live,sdk-v1' });
const GOAL_BYTES = 2048;
const CREATE_TIMEOUT_MS = 600_000;
const RELEASE_TIMEOUT_MS = 120_000;
const SHORT_WAIT_S = 5;

/** Opens `n` sessions, `concurrency` at a time; bounded in time by CREATE_TIMEOUT_MS. */
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
  return (Date.now() - started) / 1000;
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
/** Where Continuum's memory is, from /metrics: V8 heap in use and committed, and memory outside it. */
async function heap(server) {
  const [used, total, external] = await Promise.all(
    ['heap_size_used_bytes', 'heap_size_total_bytes', 'external_memory_bytes'].map((m) => metricValue(server.base, `continuum_process_nodejs_${m}`)),
  );
  return { heapUsedAfterGc: used, heapTotalAfterGc: total, externalAfterGc: external };
}

/**
 * Two full GCs 2 s apart, then 2 s for V8 to unmap what they freed: a single GC right after many objects
 * died frees them but often leaves the pages committed (RSS unchanged); the second one gives them back.
 */
async function fullGc(server) {
  server.proc.kill('SIGUSR2');
  await sleep(2000);
  server.proc.kill('SIGUSR2');
  await sleep(2000);
}

/** Baseline: RSS after `settle` s of quiet, then after a full GC (and, for Continuum, the V8 heap in use). */
async function baseline(server, continuum) {
  await sleep(opts.settle * 1000);
  const settled = rssBytes(server.pid);
  await fullGc(server);
  return { settled, afterGc: rssBytes(server.pid), breakdownAfterGc: rssBreakdown(server.pid), ...(continuum ? await heap(server) : {}) };
}

/** RSS with the sessions: at once, after 5 s, after `settle` s, after a full GC. */
async function readings(server, continuum) {
  const t0 = Date.now();
  const atOnce = rssBytes(server.pid);
  await sleep(SHORT_WAIT_S * 1000);
  const after5s = rssBytes(server.pid);
  await sleep(Math.max(0, opts.settle * 1000 - (Date.now() - t0)));
  const settled = rssBytes(server.pid);
  await fullGc(server);
  return { atOnce, after5s, settled, afterGc: rssBytes(server.pid), breakdownAfterGc: rssBreakdown(server.pid), ...(continuum ? await heap(server) : {}) };
}

function perSession(r, base, n) {
  const out = {
    atOnce: (r.atOnce - base.settled) / n,
    after5s: (r.after5s - base.settled) / n,
    settled: (r.settled - base.settled) / n,
    afterGc: (r.afterGc - base.afterGc) / n,
    anonAfterGc: (r.breakdownAfterGc.anon - base.breakdownAfterGc.anon) / n,
  };
  if (r.heapUsedAfterGc != null) {
    out.heapUsedAfterGc = (r.heapUsedAfterGc - base.heapUsedAfterGc) / n;
    out.heapTotalAfterGc = (r.heapTotalAfterGc - base.heapTotalAfterGc) / n;
  }
  return out;
}

function report(name, r) {
  const p = r.perSession;
  process.stdout.write(
    `  RSS baseline ${fmt.bytes(r.baseline.settled)} (after GC ${fmt.bytes(r.baseline.afterGc)}); with sessions ${fmt.bytes(r.rss.atOnce)} at once, ` +
      `${fmt.bytes(r.rss.settled)} after ${opts.settle} s, ${fmt.bytes(r.rss.afterGc)} after GC\n` +
      `  per session: ${fmt.bytes(p.atOnce)} at once, ${fmt.bytes(p.after5s)} after ${SHORT_WAIT_S} s, ${fmt.bytes(p.settled)} after ${opts.settle} s, ${fmt.bytes(p.afterGc)} after GC` +
      `\n  after GC: ${fmt.bytes(p.anonAfterGc)} anonymous memory` +
      (p.heapUsedAfterGc != null ? `; V8 heap ${fmt.bytes(p.heapUsedAfterGc)} in use, ${fmt.bytes(p.heapTotalAfterGc)} committed` : '') +
      '\n',
  );
}

async function continuumPhase(name, env, release) {
  const server = await startContinuum({ name: `continuum-${name}`, env, nodeArgs: ['--expose-gc', '--import', GC_PRELOAD] });
  try {
    process.stdout.write(`${name}: continuum pid ${server.pid}, ${Object.entries(env).map(([k, v]) => `${k}=${v}`).join(' ')}\n`);
    await openSession(server.url);
    if (release) await waitFor('the warm-up session to be released', async () => (await liveSessions(server)) === 0, RELEASE_TIMEOUT_MS);
    const base = await baseline(server, true);
    const createSeconds = await createSessions(server.url, opts.sessions, opts.concurrency);
    const liveWhenCreated = await liveSessions(server);
    const rssWhenCreated = rssBytes(server.pid);
    process.stdout.write(`  created ${opts.sessions} sessions in ${createSeconds.toFixed(1)} s (${fmt.int(opts.sessions / createSeconds)}/s); live instances then: ${liveWhenCreated}\n`);
    let releasedAfterSec;
    if (release) {
      const t = Date.now();
      await waitFor('every server instance to be released (continuum_live_sessions = 0)', async () => (await liveSessions(server)) === 0, RELEASE_TIMEOUT_MS);
      releasedAfterSec = (Date.now() - t) / 1000;
      process.stdout.write(`  all instances released ${releasedAfterSec.toFixed(1)} s later\n`);
    }
    const rss = await readings(server, true);
    const r = {
      baseline: base,
      rss,
      perSession: perSession(rss, base, opts.sessions),
      createSeconds,
      liveWhenCreated,
      rssWhenCreated,
      ...(release ? { releasedAfterSec } : {}),
      liveAtEnd: await liveSessions(server),
      sessionsCreated: await metricValue(server.base, 'continuum_sessions_created_total'),
    };
    report(name, r);
    return r;
  } finally {
    await server.stop();
  }
}

async function sdkPhase() {
  const server = await startSdkV1({ nodeArgs: ['--expose-gc'] });
  try {
    process.stdout.write(`sdk-v1: pid ${server.pid}\n`);
    await openSession(server.url);
    const base = await baseline(server, false);
    const createSeconds = await createSessions(server.url, opts.sessions, opts.concurrency);
    process.stdout.write(`  created ${opts.sessions} sessions in ${createSeconds.toFixed(1)} s (${fmt.int(opts.sessions / createSeconds)}/s)\n`);
    const rss = await readings(server, false);
    const health = await (await fetch(`${server.base}/healthz`, { signal: AbortSignal.timeout(10_000) })).json();
    const r = { baseline: base, rss, perSession: perSession(rss, base, opts.sessions), createSeconds, sessionsHeld: health.sessions };
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

  process.stdout.write(`\nper session (RSS growth / ${opts.sessions}):\n  ${''.padEnd(8)} ${'at once'.padStart(10)} ${`after ${SHORT_WAIT_S} s`.padStart(10)} ${`after ${opts.settle} s`.padStart(10)} ${'after GC'.padStart(10)}\n`);
  for (const [name, r] of Object.entries(results)) {
    const p = r.perSession;
    process.stdout.write(`  ${name.padEnd(8)} ${[p.atOnce, p.after5s, p.settled, p.afterGc].map((v) => fmt.bytes(v).padStart(10)).join(' ')}\n`);
  }
  let goal;
  if (results.idle) {
    const p = results.idle.perSession;
    // Judged after GC: without one, RSS shows whatever V8 has not collected yet (the peak of live instances).
    goal = { maxBytes: GOAL_BYTES, on: 'RSS after GC', value: p.afterGc, met: p.afterGc <= GOAL_BYTES, withoutGc: p.settled };
    process.stdout.write(
      `  goal <= ${GOAL_BYTES} B per idle session: ${fmt.bytes(p.afterGc)} after GC, ${goal.met ? 'met' : 'NOT met'} ` +
        `(without a forced GC, after ${opts.settle} s: ${fmt.bytes(p.settled)})\n`,
    );
  }
  const ratios = {};
  const sdk = results['sdk-v1']?.perSession;
  for (const name of ['idle', 'live']) {
    if (!results[name] || !sdk) continue;
    const p = results[name].perSession;
    ratios[`${name}VsSdk`] = { settled: p.settled / sdk.settled, afterGc: p.afterGc / sdk.afterGc };
    process.stdout.write(`  continuum ${name} / sdk-v1: ${ratios[`${name}VsSdk`].settled.toFixed(3)} after ${opts.settle} s, ${ratios[`${name}VsSdk`].afterGc.toFixed(3)} after GC\n`);
  }
  const file = writeResult('memory', {
    parameters: { sessions: opts.sessions, concurrency: opts.concurrency, settleSec: opts.settle, gc: 'SIGUSR2 -> gc() (node --expose-gc)', rss: '/proc/<pid>/status VmRSS' },
    phases: results,
    ratios,
    ...(goal ? { goal } : {}),
  });
  process.stdout.write(`\nresult: ${file} (${loadNote()})\n`);
}

main()
  .catch((err) => {
    process.stderr.write(`memory benchmark failed: ${err.stack ?? err}\n`);
    process.exitCode = 1;
  })
  .finally(stopAll);
