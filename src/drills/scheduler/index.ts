/**
 * Scheduled chaos drills (the plan's test schedule: chaos engineering weekly). The cluster's leader checks
 * every `drills.auto.checkEvery` whether the chaos test type is due (`drills.schedule.chaos` after the last
 * chaos run, or never run) and, if so, runs the configured experiment as a `continuum drill` child
 * process: a drill starts load generators and maybe a whole topology, which must not share the serving
 * node's event loop, and an interrupted child tears its topology down by itself.
 *
 * One run per due slot across the cluster: before starting, the leader appends a claim event whose
 * idempotency key names the slot (the last chaos record, and the timeout-long window the claim falls in),
 * so a second leader (after a lease change) sees the claim and waits; a claim whose node died is retried
 * in the next window. The result is recorded like an operator's drill, by `scheduler:<node>`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { cliPath } from '../topology/paths.js';
import { AuditLog } from '../../access/audit-log.js';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../log/index.js';
import { DuplicateControlEvent } from '../../store/control-port.js';
import type { JsonObject } from '../../store/port.js';
import type { Store } from '../../store/port.js';
import type { DrillsConfig } from '../config.js';
import { listRecords, recordFromResult, saveRecord } from '../history/records.js';
import { scheduleRows } from '../history/schedule.js';
import type { DrillResult } from '../runner/result.js';

export const SCHEDULE_STREAM = 'drill-schedule';
export const DRILL_SCHEDULED = 'drill.scheduled.started';
export const DRILL_SCHEDULED_ENDED = 'drill.scheduled.ended';

const CLI = cliPath();

/** What a run of the experiment produced: the drill's JSON result, or why there is none. */
export interface ScheduledRun {
  result: DrillResult | null;
  exitCode: number | null;
  error?: string;
}

/** Runs one drill; the default spawns `continuum drill <experiment> --json --no-record`. */
export type DrillLauncher = (args: { experiment: string; scale: number; reports: string; timeoutMs: number; signal: AbortSignal }) => Promise<ScheduledRun>;

export interface DrillSchedulerOptions {
  config: DrillsConfig;
  store: Store;
  clock: Clock;
  nodeId: string;
  isLeader: () => boolean;
  log: Logger;
  launch?: DrillLauncher;
}

export class DrillScheduler {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private readonly abort = new AbortController();
  private readonly launch: DrillLauncher;

  constructor(private readonly o: DrillSchedulerOptions) {
    this.launch = o.launch ?? spawnDrill;
  }

  get enabled(): boolean {
    return this.o.config.auto.experiment !== undefined;
  }

  start(): void {
    if (!this.enabled || this.timer) return;
    const every = this.o.config.auto.checkEvery;
    this.timer = setInterval(() => void this.tick().catch((err: Error) => this.o.log.warn({ err }, 'drill scheduler: check failed')), every);
    this.timer.unref();
    void this.tick().catch((err: Error) => this.o.log.warn({ err }, 'drill scheduler: check failed'));
  }

  /** Stops checking; a drill under way is interrupted (it tears its topology down) and awaited. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.abort.abort();
    await this.running;
  }

  /** One check: on the leader, when the chaos drill is due and nobody claimed the slot, run it. */
  async tick(): Promise<'not-leader' | 'not-due' | 'claimed-elsewhere' | 'busy' | 'ran'> {
    if (this.running) return 'busy';
    if (!this.o.isLeader()) return 'not-leader';
    const { config, store, clock } = this.o;
    const now = clock.now();
    const records = await listRecords(store);
    const chaos = scheduleRows(config, records, now).find((r) => r.type === 'chaos')!;
    if (chaos.state !== 'overdue' && chaos.state !== 'never run') return 'not-due';
    // An experiment whose kind is not chaos is recorded under its own kind and leaves the chaos slot
    // open: the last scheduled run that produced a result also counts, so it runs once per period.
    const ranAt = (await store.controlEvents.readStream(SCHEDULE_STREAM)).filter((e) => e.type === DRILL_SCHEDULED_ENDED && e.data.id !== null).at(-1)?.at;
    if (ranAt !== undefined && now < ranAt + config.schedule.chaos) return 'not-due';
    const last = records.filter((r) => r.type === 'chaos').at(-1);
    const window = Math.floor(now / config.auto.timeout);
    const experiment = config.auto.experiment!;
    const actor = `scheduler:${this.o.nodeId}`;
    try {
      await store.controlEvents.appendToStream(SCHEDULE_STREAM, [
        {
          type: DRILL_SCHEDULED,
          data: { experiment, due_at: chaos.due_at, after: last?.id ?? null, node: this.o.nodeId } as JsonObject,
          actor,
          at: now,
          idempotencyKey: `drill-auto:${last?.id ?? 'first'}:${window}`,
        },
      ]);
    } catch (err) {
      if (err instanceof DuplicateControlEvent) return 'claimed-elsewhere';
      throw err;
    }
    this.running = this.run(experiment, actor).finally(() => (this.running = null));
    await this.running;
    return 'ran';
  }

  private async run(experiment: string, actor: string): Promise<void> {
    const { config, store, clock, log } = this.o;
    log.info({ experiment }, 'drill scheduler: the chaos drill is due; running it');
    const reports = resolve(config.reports);
    const run = await this.launch({ experiment, scale: config.auto.scale, reports, timeoutMs: config.auto.timeout, signal: this.abort.signal });
    const r = run.result;
    if (r) {
      await saveRecord(store, recordFromResult(r, resolve(reports, r.id)), actor, clock.now());
      await new AuditLog(store.audit, clock).record({ id: actor, role: 'admin' }, 'drill.run', r.scenario, { id: r.id, passed: r.passed, status: r.status, scheduled: true });
    }
    const summary = r
      ? { experiment, id: r.id, passed: r.passed, status: r.status, exit_code: run.exitCode }
      : { experiment, id: null, passed: false, status: 'error', exit_code: run.exitCode, error: run.error ?? 'no result' };
    await store.controlEvents.appendToStream(SCHEDULE_STREAM, [{ type: DRILL_SCHEDULED_ENDED, data: summary as JsonObject, actor, at: clock.now() }]);
    if (r?.passed) log.info(summary, 'drill scheduler: the chaos drill passed');
    else log.warn(summary, 'drill scheduler: the chaos drill did not pass; see its report (continuum drill history)');
  }
}

/** `continuum drill <experiment> --json --no-record` as a child; SIGINT on timeout or stop (it tears down). */
export const spawnDrill: DrillLauncher = ({ experiment, scale, reports, timeoutMs, signal }) =>
  new Promise<ScheduledRun>((done) => {
    const child: ChildProcess = spawn(process.execPath, [CLI, 'drill', experiment, '--json', '--no-record', '--scale', String(scale), '--reports', reports], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // The drill's own nodes exit if this process dies, and so does the drill itself.
      env: { ...process.env, CONTINUUM_EXIT_WITH_PID: String(process.pid) },
    });
    let out = '';
    let err = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => (out += c));
    child.stderr!.setEncoding('utf8').on('data', (c: string) => (err = (err + c).slice(-4000)));
    let why: string | undefined;
    const interrupt = (reason: string) => {
      why ??= reason;
      child.kill('SIGINT');
    };
    const timer = setTimeout(() => interrupt(`still running after ${timeoutMs} ms (drills.auto.timeout)`), timeoutMs);
    const onAbort = () => interrupt('the node is stopping');
    signal.addEventListener('abort', onAbort, { once: true });
    child.once('error', (e) => {
      why ??= e.message;
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      let result: DrillResult | null = null;
      try {
        result = out.trim() ? (JSON.parse(out) as DrillResult) : null;
      } catch {
        why ??= 'the drill printed something other than its JSON result';
      }
      done({ result, exitCode: code, ...(result ? {} : { error: why ?? (err.trim().split('\n').at(-1) || `exit code ${code}`) }) });
    });
  });
