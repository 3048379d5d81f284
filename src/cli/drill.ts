import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { CommanderError, type Command } from 'commander';
import { AuditLog } from '../access/audit-log.js';
import { loadConfig, type ContinuumConfig } from '../config/index.js';
import { systemClock } from '../core/clock.js';
import { watchParent } from '../core/watch-parent.js';
import { builtinNames, loadExperiment } from '../drills/experiment/builtin.js';
import { ExperimentError } from '../drills/experiment/parse.js';
import { listRecords, recordFromResult, saveRecord, type DrillRecord } from '../drills/history/records.js';
import { scheduleRows } from '../drills/history/schedule.js';
import { htmlReport } from '../drills/report/html.js';
import { criteriaTable, markdownReport } from '../drills/report/markdown.js';
import { DrillInterrupted } from '../drills/runner/activities.js';
import type { DrillResult } from '../drills/runner/result.js';
import { runExperiment, type Progress } from '../drills/runner/run.js';
import { openStore } from '../store/index.js';
import type { Store } from '../store/port.js';
import { cliActor } from './local-store.js';
import { print, printJson } from './output.js';

interface DrillFlags {
  config?: string;
  store?: string;
  json?: boolean;
  scale?: string;
  against?: string;
  sessions?: string;
  workers?: string;
  postgres?: string;
  nodeEnv?: string[];
  reports?: string;
  record?: boolean;
}

const DEFAULT_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * Ends the command with an exit code: 1 a criterion failed, 2 the drill could not run, 130 interrupted.
 * (A CommanderError is how a command's exit code reaches main().)
 */
class DrillExit extends CommanderError {
  constructor(code: number, message: string) {
    super(code, 'continuum.drill', message);
    if (message) process.stderr.write(`continuum drill: ${message}\n`);
  }
}

async function withStore<T>(config: ContinuumConfig, fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore(config.store);
  try {
    await store.migrate();
    return await fn(store);
  } finally {
    await store.close();
  }
}

const positive = (flag: string, v: string | undefined): number | undefined => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new DrillExit(2, `--${flag} takes a positive number, got "${v}"`);
  return n;
};

function parseEnv(list: string[] = []): Record<string, string> {
  const out: Record<string, string> = {};
  for (const kv of list) {
    const m = /^(CONTINUUM_[A-Z0-9_]+)=(.*)$/.exec(kv);
    if (!m) throw new DrillExit(2, `--node-env takes CONTINUUM_NAME=value, got "${kv}"`);
    out[m[1]] = m[2];
  }
  return out;
}

const collect = (v: string, prev: string[] = []) => [...prev, v];

async function runDrill(scenario: string, flags: DrillFlags): Promise<void> {
  const config = loadConfig({ file: flags.config, flags: { store: flags.store } });
  let loaded;
  try {
    loaded = loadExperiment(scenario);
  } catch (err) {
    if (err instanceof ExperimentError) throw new DrillExit(2, err.message);
    throw err;
  }
  const scale = positive('scale', flags.scale) ?? 1;
  const against = flags.against ?? 'goal';
  if (against !== 'goal' && against !== 'plan') throw new DrillExit(2, `--against takes goal or plan, got "${against}"`);
  const sessions = positive('sessions', flags.sessions);
  const workers = positive('workers', flags.workers);
  const nodeEnv = parseEnv(flags.nodeEnv);
  const controller = new AbortController();
  let interrupts = 0;
  const onSignal = (sig: string) => {
    interrupts++;
    process.stderr.write(`\ncontinuum drill: ${sig}: stopping the drill and tearing the topology down${interrupts > 1 ? ' (again: still tearing down)' : ''}\n`);
    controller.abort();
  };
  const sigint = () => onSignal('SIGINT');
  const sigterm = () => onSignal('SIGTERM');
  process.on('SIGINT', sigint);
  process.on('SIGTERM', sigterm);
  // Run by a node's drill scheduler: tear down and stop if that node dies.
  watchParent(() => onSignal('parent process gone'));
  const tty = process.stderr.isTTY;
  let lastLine = 0;
  const progress = (p: Progress) => {
    const line = `[drill ${(p.elapsed_ms / 1000).toFixed(0)}s] ${p.phase} | ${p.rps} req/s, ${p.errors} errors, p99 ${p.p99_ms} ms`;
    if (tty) process.stderr.write(`\r\x1b[2K${line}`);
    else if (p.elapsed_ms - lastLine >= 5000) {
      lastLine = p.elapsed_ms;
      process.stderr.write(`${line}\n`);
    }
  };
  const log = (l: string) => process.stderr.write(`${tty ? '\r\x1b[2K' : ''}${l}\n`);
  let result: DrillResult;
  try {
    result = await runExperiment(loaded.experiment, {
      scenario: loaded.name,
      scale,
      against,
      signal: controller.signal,
      postgresAdminUrl: flags.postgres ?? process.env.CONTINUUM_DRILL_POSTGRES ?? DEFAULT_POSTGRES,
      nodeEnv,
      load: { ...(sessions ? { sessions: Math.round(sessions) } : {}), ...(workers ? { workers: Math.round(workers) } : {}) },
      log,
      progress,
    });
  } catch (err) {
    if (err instanceof DrillInterrupted) throw new DrillExit(130, 'drill interrupted; every process it started has been stopped and its temporary files removed');
    throw err;
  } finally {
    process.removeListener('SIGINT', sigint);
    process.removeListener('SIGTERM', sigterm);
    if (tty) process.stderr.write('\r\x1b[2K');
  }

  const dir = resolve(flags.reports ?? config.drills.reports, result.id);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'result.json'), JSON.stringify(result, null, 2) + '\n');
  writeFileSync(join(dir, 'report.md'), markdownReport(result));
  writeFileSync(join(dir, 'report.html'), htmlReport(result));
  if (flags.record !== false) {
    await withStore(config, async (store) => {
      const actor = cliActor();
      await saveRecord(store, recordFromResult(result, dir), actor.id, Date.now());
      await new AuditLog(store.audit, systemClock).record(actor, 'drill.run', result.scenario, { id: result.id, passed: result.passed, status: result.status });
    }).catch((e: Error) => log(`continuum drill: could not record the result in the store (${e.message}); the report is in ${dir}`));
  }
  if (flags.json) printJson(result);
  else {
    print(`${result.title} (${result.scenario}): ${result.passed ? 'PASSED' : 'FAILED'} against ${against === 'plan' ? "the plan's targets" : 'our goals'} (${result.status})\n`);
    print(criteriaTable(result));
    if (result.error) print(`\nerror: ${result.error}`);
    for (const p of result.problems.slice(0, 10)) print(`- ${p}`);
    print(`\nreport: ${join(dir, 'report.html')} (also report.md, result.json)`);
  }
  if (result.status === 'error') throw new DrillExit(2, `the drill could not run: ${result.error}`);
  if (!result.passed) throw new DrillExit(1, '');
}

const trend = (cur: number | null, prev: number | null) => (cur === null || prev === null ? '' : cur > prev ? ' (up)' : cur < prev ? ' (down)' : ' (same)');

function historyTable(records: DrillRecord[]): string {
  const head = ['WHEN', 'TYPE', 'SCENARIO', 'RESULT', 'FAILOVER', 'RECOVERY', 'LOST', 'ERRORS'];
  const prevOf = new Map<string, DrillRecord>();
  const body = records.map((r) => {
    const prev = prevOf.get(r.scenario);
    prevOf.set(r.scenario, r);
    if (r.type === 'tabletop') return [new Date(r.at).toISOString().slice(0, 16), r.type, r.title, `${r.findings?.length ?? 0} findings`, '-', '-', '-', '-'];
    return [
      new Date(r.at).toISOString().slice(0, 16),
      r.type,
      r.scenario,
      r.passed ? 'passed' : r.status === 'completed' ? 'FAILED' : r.status,
      r.failover_ms === null ? '-' : `${r.failover_ms} ms${trend(r.failover_ms, prev?.failover_ms ?? null)}`,
      r.recovery_ms === null ? '-' : `${r.recovery_ms} ms${trend(r.recovery_ms, prev?.recovery_ms ?? null)}`,
      String(r.sessions_lost ?? '-'),
      r.error_rate === null ? '-' : `${(r.error_rate * 100).toFixed(3)} %`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  return [head, ...body].map((cols) => cols.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd()).join('\n');
}

export function registerDrill(program: Command): void {
  const drill = program
    .command('drill')
    .summary('run a failure scenario under MCP load and measure it against the plan')
    .argument('[scenario]', `a built-in scenario (${builtinNames().join(', ')}) or the path of an experiment file (docs/drills.md)`)
    .description(
      'Run a drill: start a local topology (regions of nodes, a store, fault proxies on every link, a balancer) or use an\n' +
        'existing deployment, drive steady load with official-SDK MCP clients, inject a real fault, keep measuring, roll back,\n' +
        'verify every session and acknowledged write, tear everything down, and report against the plan\'s targets and our goals.\n' +
        'Exit code 0 only if every criterion passed (1: a criterion failed; 2: the drill could not run; 130: interrupted).\n' +
        'Reports (result.json, report.md, report.html) go to drills.reports (default ./.continuum/drills/<id>/);\n' +
        'the result is recorded in the configured store for `continuum drill history` and `continuum drill schedule`.',
    )
    .option('-c, --config <file>', 'YAML configuration file (default: ./continuum.yaml when present)')
    .option('--store <url>', 'the store where drill results are recorded (config: store)')
    .option('--json', 'print the JSON result on stdout')
    .option('--scale <factor>', 'multiply every pause, warmup, settle and partition band (e.g. 0.1 for a short rehearsal)', '1')
    .option('--against <goal|plan>', 'judge criteria against our goals (default) or the plan\'s targets', 'goal')
    .option('--sessions <n>', 'override the number of 2025-era sessions held open')
    .option('--workers <n>', 'override the number of concurrent request loops')
    .option('--postgres <admin-url>', `PostgreSQL server for store: postgres topologies (env CONTINUUM_DRILL_POSTGRES; default ${DEFAULT_POSTGRES})`)
    .option('--node-env <NAME=value>', 'extra CONTINUUM_* variable for every node (repeatable)', collect)
    .option('--reports <dir>', 'directory for the reports (config: drills.reports)')
    .option('--no-record', 'do not record the result in the store')
    .action(async (scenario: string | undefined, flags: DrillFlags) => {
      if (!scenario) {
        print(`built-in scenarios: ${builtinNames().join(', ')}\nrun one with: continuum drill <scenario>   (continuum drill --help for options)`);
        return;
      }
      await runDrill(scenario, flags);
    });

  drill
    .command('list')
    .description('List the built-in scenarios with their titles.')
    .option('--json', 'print JSON')
    .action((_flags: { json?: boolean }, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ json?: boolean }>();
      const rows = builtinNames().map((name) => {
        const { experiment } = loadExperiment(name);
        return { name, title: experiment.title, kind: experiment.kind };
      });
      if (flags.json) return printJson(rows);
      print(rows.map((r) => `${r.name.padEnd(22)} ${r.kind.padEnd(6)} ${r.title}`).join('\n'));
    });

  drill
    .command('history')
    .description('List recorded drills and exercises, oldest first, with the change in failover and recovery since the previous run of the same scenario.')
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store <url>', 'the store the results are recorded in')
    .option('--scenario <name>', 'only this scenario')
    .option('--json', 'print JSON')
    .action(async (_flags: unknown, cmd: Command) => {
      // The parent's own options (--json, --store, --config) land on it when given after the subcommand.
      const flags = cmd.optsWithGlobals<{ config?: string; store?: string; json?: boolean; scenario?: string }>();
      const config = loadConfig({ file: flags.config, flags: { store: flags.store } });
      const records = (await withStore(config, listRecords)).filter((r) => !flags.scenario || r.scenario === flags.scenario);
      if (flags.json) return printJson(records);
      if (records.length === 0) return print('no drills recorded yet (run one with: continuum drill <scenario>)');
      print(historyTable(records));
    });

  drill
    .command('schedule')
    .description("Show which of the plan's test types (chaos weekly, drill quarterly, full DR semi-annually, tabletop monthly; config drills.schedule) are due or overdue.")
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store <url>', 'the store the results are recorded in')
    .option('--json', 'print JSON')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ config?: string; store?: string; json?: boolean }>();
      const config = loadConfig({ file: flags.config, flags: { store: flags.store } });
      const rows = scheduleRows(config.drills, await withStore(config, listRecords), Date.now());
      if (flags.json) return printJson(rows);
      const days = (ms: number) => `${Math.round(ms / 86_400_000)}d`;
      print(
        rows
          .map((r) => `${r.type.padEnd(9)} every ${days(r.every_ms).padEnd(5)} last ${(r.last_at?.slice(0, 10) ?? 'never').padEnd(10)} ${r.state.padEnd(9)} due ${r.due_at.slice(0, 10)}`)
          .join('\n'),
      );
    });

  drill
    .command('tabletop')
    .description('Record a tabletop exercise: the scenario discussed, who took part, the checklist and the findings.')
    .requiredOption('--title <text>', 'what was exercised (e.g. "EU region loss")')
    .requiredOption('--participant <name>', 'a participant (repeatable)', collect)
    .option('--done <item>', 'a checklist item that was covered (repeatable)', collect)
    .option('--missed <item>', 'a checklist item that was not covered (repeatable)', collect)
    .option('--finding <text>', 'a finding (repeatable)', collect)
    .option('-c, --config <file>', 'YAML configuration file')
    .option('--store <url>', 'the store to record it in')
    .option('--json', 'print JSON')
    .action(async (_flags: unknown, cmd: Command) => {
      const flags = cmd.optsWithGlobals<{ title: string; participant: string[]; done?: string[]; missed?: string[]; finding?: string[]; config?: string; store?: string; json?: boolean }>();
      const config = loadConfig({ file: flags.config, flags: { store: flags.store } });
      const at = Date.now();
      const rec: DrillRecord = {
        id: `${new Date(at).toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-tabletop-${Math.random().toString(16).slice(2, 8)}`,
        type: 'tabletop',
        scenario: 'tabletop',
        title: flags.title,
        at,
        passed: (flags.missed ?? []).length === 0,
        status: 'completed',
        failover_ms: null,
        recovery_ms: null,
        sessions_lost: null,
        error_rate: null,
        criteria: [],
        report: null,
        participants: flags.participant,
        findings: flags.finding ?? [],
        checklist: [...(flags.done ?? []).map((item) => ({ item, done: true })), ...(flags.missed ?? []).map((item) => ({ item, done: false }))],
      };
      await withStore(config, async (store) => {
        const actor = cliActor();
        await saveRecord(store, rec, actor.id, at);
        await new AuditLog(store.audit, systemClock).record(actor, 'drill.tabletop', rec.id, { title: rec.title });
      });
      if (flags.json) return printJson(rec);
      print(`recorded tabletop exercise ${rec.id}: ${rec.participants!.length} participants, ${rec.findings!.length} findings`);
    });
}
