import { randomBytes } from 'node:crypto';
import { redactUrl } from '../../log/index.js';
import { openStore } from '../../store/index.js';
import type { Activity, Experiment } from '../experiment/schema.js';
import { FAULT_FUNCS } from '../experiment/schema.js';
import type { Metric } from '../experiment/metrics.js';
import { LoadGenerator, type Verification } from '../load/generator.js';
import { History, percentile } from '../load/history.js';
import { LocalTopology } from '../topology/local.js';
import { DrillInterrupted, runActivity, sleep, type ActivityContext, type ActivityRun } from './activities.js';
import { judge, type DrillResult, type Marker } from './result.js';

export interface RunOptions {
  /** The scenario's name (built-in name or file path). */
  scenario: string;
  /** Multiplies every pause, warmup, settle and partition band (1 = as written). */
  scale: number;
  against: 'goal' | 'plan';
  signal: AbortSignal;
  postgresAdminUrl: string;
  nodeEnv: Record<string, string>;
  /** Overrides of the experiment's load (--sessions, --workers). */
  load?: Partial<Experiment['load']>;
  log: (line: string) => void;
  /** Called about once a second with live figures. */
  progress?: (p: Progress) => void;
}

export interface Progress {
  phase: string;
  elapsed_ms: number;
  rps: number;
  errors: number;
  p99_ms: number;
}

const REVERTS = new Set(['heal-region', 'heal-node', 'resume-node', 'restart-node', 'restart-region', 'recover-database', 'promote-standby']);

const isFault = (a: Activity) => a.fault ?? (a.provider.type === 'continuum' && FAULT_FUNCS.has(a.provider.func));
const isRevert = (a: Activity) => a.provider.type === 'continuum' && REVERTS.has(a.provider.func);
/** Faults whose effect lasts until reverted (a pause, a cut), as opposed to a kill, whose failover starts at once. */
const lasting = (a: Activity) => a.provider.type === 'continuum' && ['pause-node', 'cut-region', 'cut-node'].includes(a.provider.func);

/**
 * Runs one experiment: topology up, load on, steady state checked, method run, steady state checked
 * again, rollbacks, settle, verification of every session and acknowledged write, teardown. Always
 * tears down (also when interrupted through `signal`) and returns the result; throws only
 * DrillInterrupted.
 */
export async function runExperiment(exp: Experiment, o: RunOptions): Promise<DrillResult> {
  const startedAt = new Date();
  const history = new History();
  const markers: Marker[] = [];
  // Activities are marked when they started, not when their pause after ended.
  const mark = (name: string, kind: Marker['kind'], at = history.now()) => markers.push({ t_ms: Math.round(at), name, kind });
  const load = { ...exp.load, ...o.load };
  const problems: string[] = [];
  /** The stderr tail of every node that exited without the drill stopping it. */
  const nodeLogs: Record<string, string> = {};
  const journal: DrillResult['journal'] = { run: [], rollbacks: [], steady_states: { before: [], after: [] } };
  const faults: { at: number; until: number | null; restored: number | null; lasting: boolean; name: string }[] = [];
  let phase = 'starting';
  let topology: LocalTopology | null = null;
  let generator: LoadGenerator | null = null;
  let verification: Verification | null = null;
  let ackLost: number | null = null;
  let status: DrillResult['status'] = 'completed';
  let error: string | undefined;
  let steadyBefore: boolean | null = null;
  let steadyAfter: boolean | null = null;
  let steadyP99 = 0;
  let targetDescription = '';
  const ticker = setInterval(() => {
    if (!o.progress) return;
    const now = history.now();
    const w = history.window(now - 1000, now);
    o.progress({ phase, elapsed_ms: Math.round(now), rps: w.length, errors: w.filter((x) => x.outcome !== 'ok').length, p99_ms: Math.round(percentile(w.filter((x) => x.outcome === 'ok').map((x) => x.end - x.start), 99)) });
  }, 1000);
  ticker.unref();

  try {
    let url: string;
    let headers: Record<string, string> = {};
    if ('local' in exp.target) {
      phase = 'topology';
      topology = await LocalTopology.start(exp.target.local, { scale: o.scale, postgresAdminUrl: o.postgresAdminUrl, nodeEnv: o.nodeEnv, log: o.log });
      url = topology.url;
      targetDescription = `local: ${exp.target.local.regions.map((r) => `${r.name} x${r.nodes}`).join(', ')}; ${exp.target.local.store}`;
    } else {
      url = exp.target.deployment.url;
      headers = exp.target.deployment.headers;
      targetDescription = `deployment: ${redactUrl(url)}`;
    }
    if (o.signal.aborted) throw new DrillInterrupted();

    phase = 'load';
    generator = new LoadGenerator({ url, headers, spec: load, history, log: o.log });
    await untilAborted(generator.start(), o.signal);
    const ctx: ActivityContext = { topology, load: generator, history, scale: o.scale, signal: o.signal };
    mark('load started', 'phase');
    await sleep(load.warmup * o.scale, o.signal);

    const hypothesis = exp['steady-state-hypothesis'];
    const checkSteady = async (into: ActivityRun[]) => {
      for (const p of hypothesis?.probes ?? []) into.push(await runActivity(p, ctx));
      return into.every((r) => r.status === 'succeeded' && r.tolerance_met !== false);
    };
    phase = 'steady state (before)';
    const baseline = history.logical.filter((c) => c.ok && c.attempts === 1).map((c) => c.end - c.start);
    steadyP99 = Math.round(percentile(baseline, 99));
    if (hypothesis) {
      steadyBefore = await checkSteady(journal.steady_states.before);
      if (!steadyBefore) {
        status = 'aborted';
        problems.push('the steady-state hypothesis did not hold before the method: nothing was injected');
      }
    }

    if (status === 'completed') {
      mark('method', 'phase');
      for (const a of exp.method) {
        phase = `method: ${a.name}`;
        o.log(`drill: ${a.type} ${a.name}`);
        const at = history.now() + (a.pauses?.before ?? 0) * o.scale;
        const run = a.background ? backgroundRun(a, ctx, journal.run) : await runActivity(a, ctx);
        if (run) journal.run.push(run);
        const started = run?.start_ms ?? at;
        if (isFault(a)) {
          faults.push({ at: started, until: null, restored: null, lasting: lasting(a), name: a.name });
          mark(a.name, 'fault', started);
        } else if (isRevert(a)) {
          for (const f of faults) {
            if (f.until !== null) continue;
            f.until = started;
            f.restored = run?.end_ms ?? started;
          }
          mark(a.name, 'revert', started);
        } else mark(a.name, a.type, started);
        if (run && run.status === 'failed') problems.push(`${a.name}: ${run.error}`);
        if (run?.tolerance_met === false) problems.push(`${a.name}: probe outside its tolerance (${JSON.stringify(run.output)})`);
      }
      if (hypothesis) {
        phase = 'steady state (after)';
        steadyAfter = await checkSteady(journal.steady_states.after);
      }
    }

    phase = 'rollbacks';
    for (const a of exp.rollbacks) {
      o.log(`drill: rollback ${a.name}`);
      const run = await runActivity(a, ctx);
      journal.rollbacks.push(run);
      if (isRevert(a)) {
        for (const f of faults) {
          if (f.until !== null) continue;
          f.until = run.start_ms;
          f.restored = run.end_ms;
        }
      }
      mark(a.name, 'revert', run.start_ms);
      if (run.status === 'failed') problems.push(`rollback ${a.name}: ${run.error}`);
    }
    phase = 'settle';
    await sleep(load.settle * o.scale, o.signal);
    phase = 'verify';
    await untilAborted(generator.stopLoad(), o.signal);
    mark('load stopped', 'phase');
    verification = await untilAborted(generator.verify(Math.max(5000, load.requestTimeout)), o.signal);
    ackLost = await untilAborted(checkAcknowledged(generator.acknowledged, topology?.storeUrl ?? null, url, headers), o.signal);
    if (topology) {
      for (const e of topology.unexpectedExits()) {
        problems.push(`unexpected exit: ${e.id}: ${e.description}`);
        nodeLogs[e.id] = e.stderr;
      }
    }
  } catch (err) {
    if (err instanceof DrillInterrupted) status = 'interrupted';
    else {
      status = 'error';
      error = (err as Error).message;
    }
  } finally {
    clearInterval(ticker);
    phase = 'teardown';
    await generator?.close().catch(() => undefined);
    await topology?.stop().catch((e: Error) => problems.push(`teardown: ${e.message}`));
  }
  if (status === 'interrupted') throw new DrillInterrupted();

  const end = history.now();
  const ops = history.ops.filter((x) => x.kind !== 'verify');
  const failed = ops.filter((x) => x.outcome !== 'ok').length;
  const firstFault = faults[0]?.at ?? null;
  const slow = Math.max(1000, steadyP99 * 5);
  const failover = faults.length ? Math.round(Math.max(...faults.map((f) => history.stallAt(f.at, f.lasting && f.until !== null ? f.until - f.at : 1000)))) : null;
  const recovery = faults.length
    ? Math.round(Math.max(...faults.map((f, i) => Math.min(history.lastImpactAfter(f.at, slow), (faults[i + 1]?.at ?? end) - f.at))))
    : null;
  const restores = faults.filter((f) => f.restored !== null).map((f) => f.restored! - f.at);
  const restore = restores.length ? Math.round(Math.max(...restores)) : null;
  const lastActivity = Math.max(...journal.run.map((r) => r.end_ms), ...journal.rollbacks.map((r) => r.end_ms), firstFault ?? 0);
  const interruption = firstFault !== null ? Math.round(history.interruptionFrom(firstFault, Math.max(firstFault + 1000, lastActivity))) : null;
  const writes = history.ops.filter((x) => x.kind === 'initialize');
  const writeOutage = firstFault !== null && writes.length ? Math.round(longestGap(writes.filter((w) => w.outcome === 'ok').map((w) => w.end), firstFault, lastActivity)) : null;
  if (verification) {
    for (const l of verification.sessionsLost.slice(0, 5)) problems.push(`session lost ${l.id.slice(0, 8)}...: ${l.reason}`);
    for (const l of verification.subscriptionsLost.slice(0, 5)) problems.push(`subscription lost ${l.id.slice(0, 8)}...: ${l.reason}`);
  }
  const deviated = journal.steady_states.after.filter((r) => r.status !== 'succeeded' || r.tolerance_met === false).length;
  const metrics: Record<Metric, number | null> = {
    failover_ms: failover,
    interruption_ms: interruption,
    recovery_ms: recovery,
    restore_ms: restore,
    sessions_lost: verification ? verification.sessionsLost.length : null,
    subscriptions_lost: verification ? verification.subscriptionsLost.length : null,
    error_rate: ops.length ? failed / ops.length : null,
    requests_failed: failed,
    acknowledged_writes_lost: ackLost,
    write_outage_ms: writeOutage,
    steady_state_deviated: hypothesis(exp) ? deviated : null,
    activities_failed: [...journal.run, ...journal.rollbacks].filter((r) => r.status === 'failed').length,
  };
  const criteria = status === 'completed' || status === 'aborted' ? judge(exp.criteria, metrics, o.against) : [];
  const passed = status === 'completed' && steadyBefore !== false && criteria.every((c) => c.passed) && problems.every((p) => !p.startsWith('unexpected exit'));
  return {
    id: `${startedAt.toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`,
    scenario: o.scenario,
    title: exp.title,
    kind: exp.kind,
    status,
    passed,
    against: o.against,
    started_at: startedAt.toISOString(),
    ended_at: new Date().toISOString(),
    duration_ms: Math.round(end),
    scale: o.scale,
    target: targetDescription,
    load: { sessions: load.sessions, subscribed: load.subscribed, workers: load.workers, modern: load.modern, new_sessions_per_second: load.newSessionsPerSecond },
    criteria,
    failover_ms: failover,
    interruption_ms: interruption,
    recovery_ms: recovery,
    restore_ms: restore,
    sessions_total: verification?.sessionsTotal ?? 0,
    sessions_lost: verification?.sessionsLost.length ?? 0,
    subscriptions_total: verification?.subscriptionsTotal ?? 0,
    subscriptions_lost: verification?.subscriptionsLost.length ?? 0,
    requests_total: ops.length,
    requests_failed: failed,
    error_rate: ops.length ? failed / ops.length : 0,
    acknowledged_writes_total: generator?.acknowledged.length ?? 0,
    acknowledged_writes_lost: ackLost,
    write_outage_ms: writeOutage,
    steady_state: { before: steadyBefore, after: steadyAfter, deviated },
    steady_state_p99_ms: steadyP99,
    timeline: history.timeline(end),
    markers,
    journal,
    problems,
    node_logs: nodeLogs,
    ...(error ? { error } : {}),
  };
}

const hypothesis = (exp: Experiment) => (exp['steady-state-hypothesis']?.probes.length ?? 0) > 0;

/** A background activity's record is filled in when it finishes. */
function backgroundRun(a: Activity, ctx: ActivityContext, into: ActivityRun[]): null {
  void runActivity(a, ctx).then(
    (r) => into.push(r),
    () => undefined,
  );
  return null;
}

function longestGap(times: number[], from: number, to: number): number {
  const s = times.filter((t) => t >= from && t <= to).sort((a, b) => a - b);
  let last = from;
  let worst = 0;
  for (const t of s) {
    worst = Math.max(worst, t - last);
    last = t;
  }
  return Math.max(worst, to - last);
}

/**
 * Every session whose creation was acknowledged must exist afterwards. On the local harness the store
 * itself is asked (directly, never through a cut link); against a deployment, the session must still
 * answer a ping (not 404).
 */
async function checkAcknowledged(ids: string[], storeUrl: string | null, url: string, headers: Record<string, string>): Promise<number> {
  if (ids.length === 0) return 0;
  if (storeUrl) {
    const store = await openStore(storeUrl);
    try {
      let lost = 0;
      for (const id of ids) if (!(await store.sessions.getSession(id))) lost++;
      return lost;
    } finally {
      await store.close();
    }
  }
  let lost = 0;
  for (const id of ids) {
    const r = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-session-id': id, 'mcp-protocol-version': '2025-11-25' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => null);
    await r?.arrayBuffer();
    if (!r || r.status === 404) lost++;
  }
  return lost;
}

/** Waits for `p`, or rejects with DrillInterrupted as soon as the drill is interrupted. */
function untilAborted<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new DrillInterrupted());
  return new Promise((resolve, reject) => {
    const onAbort = () => reject(new DrillInterrupted());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e as Error)),
    );
  });
}
