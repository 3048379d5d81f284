import { spawn } from 'node:child_process';
import type { Activity, Provider } from '../experiment/schema.js';
import type { History } from '../load/history.js';
import { percentile } from '../load/history.js';
import type { LoadGenerator } from '../load/generator.js';
import { corruptPrimary, killPrimary, promote, recover } from '../topology/database-faults.js';
import type { LocalTopology, Link } from '../topology/local.js';
import { withinTolerance, type ProbeValue } from './tolerance.js';

/** What activities act on and read from. */
export interface ActivityContext {
  topology: LocalTopology | null;
  load: LoadGenerator;
  history: History;
  /** Multiplies durations (pauses, windows, waits) for reduced-size runs. */
  scale: number;
  signal: AbortSignal;
}

/** One entry of the journal's run[] / rollbacks[] (Chaos Toolkit's shape). */
export interface ActivityRun {
  activity: string;
  type: 'action' | 'probe';
  status: 'succeeded' | 'failed';
  /** ms since the drill started. */
  start_ms: number;
  end_ms: number;
  output: ProbeValue | Record<string, unknown>;
  tolerance_met?: boolean;
  error?: string;
}

export class DrillInterrupted extends Error {
  constructor() {
    super('drill interrupted');
    this.name = 'DrillInterrupted';
  }
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new DrillInterrupted());
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new DrillInterrupted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Runs one activity with its pauses; never throws except on interruption (a failure is recorded). */
export async function runActivity(a: Activity, ctx: ActivityContext): Promise<ActivityRun> {
  if (a.pauses?.before) await sleep(a.pauses.before * ctx.scale, ctx.signal);
  const start = ctx.history.now();
  let run: ActivityRun;
  try {
    const output = await execute(a.provider, ctx);
    const value = (output && typeof output === 'object' && !Array.isArray(output) ? (output as { value?: ProbeValue }).value ?? null : output) as ProbeValue;
    const met = a.tolerance === undefined ? undefined : withinTolerance(value, a.tolerance);
    run = { activity: a.name, type: a.type, status: 'succeeded', start_ms: round(start), end_ms: round(ctx.history.now()), output, ...(met === undefined ? {} : { tolerance_met: met }) };
  } catch (err) {
    if (err instanceof DrillInterrupted) throw err;
    run = { activity: a.name, type: a.type, status: 'failed', start_ms: round(start), end_ms: round(ctx.history.now()), output: null, error: (err as Error).message };
  }
  if (a.pauses?.after) await sleep(a.pauses.after * ctx.scale, ctx.signal);
  return run;
}

async function execute(p: Provider, ctx: ActivityContext): Promise<ProbeValue | Record<string, unknown>> {
  if (p.type === 'process') return runProcess(p, ctx.signal);
  if (p.type === 'http') return runHttp(p, ctx.signal);
  const args = p.arguments;
  const h = ctx.history;
  const windowed = () => {
    const w = Math.max(1000, Number(args.window) * ctx.scale);
    return h.window(h.now() - w, h.now() + 1);
  };
  switch (p.func) {
    case 'error-rate': {
      const w = windowed();
      return w.length ? w.filter((o) => o.outcome !== 'ok').length / w.length : 0;
    }
    case 'requests-per-second':
      return windowed().length / (Math.max(1000, Number(args.window) * ctx.scale) / 1000);
    case 'latency-p99':
      return Math.round(percentile(windowed().filter((o) => o.outcome === 'ok').map((o) => o.end - o.start), 99));
    case 'sessions-lost':
      return ctx.load.sessions.filter((s) => s.lost).length;
    default:
      return local(p.func, args, ctx);
  }
}

async function local(func: string, args: Record<string, unknown>, ctx: ActivityContext): Promise<ProbeValue | Record<string, unknown>> {
  const t = ctx.topology;
  if (!t) throw new Error(`${func} needs the local harness`);
  const node = () => t.node(String(args.node));
  const region = () => t.region(String(args.region));
  switch (func) {
    case 'kill-node':
      await node().kill(args.signal as NodeJS.Signals);
      return { killed: [String(args.node)] };
    case 'kill-region': {
      const nodes = region();
      await Promise.all(nodes.map((n) => n.kill(args.signal as NodeJS.Signals)));
      return { killed: nodes.map((n) => n.id) };
    }
    case 'pause-node':
      node().pause();
      return { paused: String(args.node) };
    case 'resume-node':
      node().resume();
      return { resumed: String(args.node) };
    case 'restart-node': {
      const n = node();
      if (n.proc) await n.kill('SIGKILL');
      await n.start();
      return { restarted: [n.id] };
    }
    case 'restart-region': {
      const nodes = region();
      await Promise.all(nodes.map(async (n) => {
        if (n.proc) await n.kill('SIGKILL');
        await n.start();
      }));
      return { restarted: nodes.map((n) => n.id) };
    }
    case 'cut-region':
      for (const n of region()) n.cut(args.links as Link[]);
      return { cut: region().map((n) => n.id), links: args.links as string[] };
    case 'heal-region':
      for (const n of region()) n.heal();
      return { healed: region().map((n) => n.id) };
    case 'cut-node':
      node().cut(args.links as Link[]);
      return { cut: [String(args.node)], links: args.links as string[] };
    case 'heal-node':
      node().heal();
      return { healed: [String(args.node)] };
    case 'wait-ready': {
      const deadline = ctx.history.now() + Number(args.timeout);
      for (;;) {
        const crashed = t.unexpectedExits();
        if (crashed.length) throw new Error(`a node exited unexpectedly: ${crashed.map((c) => `${c.id} ${c.description}`).join('; ')}`);
        const expected = t.nodes.filter((n) => !n.down).length;
        const ready = await t.readyNodes();
        if (ready >= expected) return ready;
        if (ctx.history.now() > deadline) throw new Error(`${ready} of ${expected} nodes ready after ${args.timeout} ms`);
        await sleep(100, ctx.signal);
      }
    }
    case 'ready-nodes':
      return t.readyNodes();
    case 'partition-decisions':
      return t.partitionDecisions(String(args.node));
    case 'kill-database-primary':
      return killPrimary(replicated(t), String(args.signal));
    case 'promote-standby':
      return promote(replicated(t));
    case 'corrupt-database-file':
      return corruptPrimary(replicated(t), Number(args.bytes));
    case 'recover-database':
      return recover(replicated(t), [...ctx.load.acknowledged, ...ctx.load.sessions.map((s) => s.id)]);
    default:
      throw new Error(`unknown function ${func}`);
  }
}

function runProcess(p: Extract<Provider, { type: 'process' }>, signal: AbortSignal): Promise<Record<string, unknown>> {
  const args = Array.isArray(p.arguments) ? p.arguments : (p.arguments ?? '').split(/\s+/).filter(Boolean);
  return new Promise((resolve, reject) => {
    const child = spawn(p.path, args, { env: { ...process.env, ...p.env }, stdio: ['ignore', 'pipe', 'pipe'], signal, timeout: p.timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout = (stdout + c.toString()).slice(-4000)));
    child.stderr.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (err) => reject(signal.aborted ? new DrillInterrupted() : new Error(`${p.path}: ${err.message}`)));
    child.on('close', (code) => {
      if (signal.aborted) return reject(new DrillInterrupted());
      if (code === null) return reject(new Error(`${p.path} did not finish within ${p.timeout} ms`));
      resolve({ value: code, status: code, stdout, stderr });
    });
  });
}

async function runHttp(p: Extract<Provider, { type: 'http' }>, signal: AbortSignal): Promise<Record<string, unknown>> {
  const body = p.body === undefined ? undefined : typeof p.body === 'string' ? p.body : JSON.stringify(p.body);
  const r = await fetch(p.url, {
    method: p.method,
    headers: { ...(body && typeof p.body !== 'string' ? { 'content-type': 'application/json' } : {}), ...p.headers },
    body,
    signal: AbortSignal.any([signal, AbortSignal.timeout(p.timeout)]),
  });
  const text = (await r.text()).slice(0, 4000);
  return { value: r.status, status: r.status, body: text };
}

const round = (n: number) => Math.round(n);

function replicated(t: LocalTopology) {
  if (!t.db.replicated) throw new Error('database faults need target.local.store: postgres-replicated');
  return t.db.replicated;
}
