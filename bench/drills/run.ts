/**
 * Every built-in drill at full size, one after another (each needs the whole machine: run nothing else),
 * then one Markdown table per scenario: each criterion's measured value against the plan's target and our
 * goal, and a summary row per scenario. The results (result.json, report.md, report.html per drill) stay in
 * --out. `--from DIR` only summarises the `<scenario>.json` files already there (e.g. from
 * `continuum drill <scenario> --json > DIR/<scenario>.json`).
 *
 *   npm run build && node --import tsx bench/drills/run.ts [--only a,b] [--out DIR] [--postgres URL]
 *   node --import tsx bench/drills/run.ts --from DIR
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { builtinNames } from '../../src/drills/experiment/builtin.js';
import type { DrillResult } from '../../src/drills/runner/result.js';
import { cliPath } from '../../src/drills/topology/paths.js';

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const from = arg('from');
const out = resolve(from ?? arg('out') ?? '.continuum/drills-full-size');
const only = arg('only')?.split(',') ?? builtinNames();
const log = (s: string) => process.stderr.write(`[drills] ${s}\n`);

function runOne(scenario: string): Promise<void> {
  const args = [cliPath(), 'drill', scenario, '--json', '--no-record', '--reports', join(out, 'reports')];
  if (arg('postgres')) args.push('--postgres', arg('postgres')!);
  return new Promise((done) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let json = '';
    child.stdout.on('data', (c: Buffer) => (json += c.toString()));
    child.on('close', (code) => {
      writeFileSync(join(out, `${scenario}.json`), json);
      log(`${scenario}: exit ${code}`);
      done();
    });
  });
}

const unitOf = (u: string) => (u === '%' ? ' %' : u ? ` ${u}` : '');
const num = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(4));
const verdict = (passed: boolean | null) => (passed === null ? '' : passed ? 'met' : '**not met**');

function table(r: DrillResult): string {
  const rows = r.criteria.map((c) => {
    const measured = c.measured === null ? 'not measured' : `${num(c.measured)}${unitOf(c.unit)}`;
    const plan = c.plan ? `${c.plan}${unitOf(c.unit)}: ${verdict(c.plan_passed)}` : '';
    const goal = c.goal ? `${c.goal}${unitOf(c.unit)}: ${verdict(c.goal_passed)}` : '';
    return `| ${c.name} | ${measured} | ${plan} | ${goal} |`;
  });
  return ['| Criterion | Measured | Plan\'s target | Our goal |', '| --- | --- | --- | --- |', ...rows].join('\n');
}

function summary(rs: DrillResult[]): string {
  const head = '| Scenario | Sessions (subscribed) | Requests | Failover | Interruption | Recovery | Lost: sessions / subs / ack. writes | Error rate | Plan | Our goals |';
  const rows = rs.map((r) => {
    const planOk = r.criteria.every((c) => c.plan_passed !== false);
    const ms = (v: number | null) => (v === null ? '-' : `${num(v)} ms`);
    return (
      `| ${r.scenario} | ${num(r.sessions_total)} (${r.subscriptions_total}) | ${num(r.requests_total)} | ${ms(r.failover_ms)} | ${ms(r.interruption_ms)} | ${ms(r.recovery_ms)} | ` +
      `${r.sessions_lost} / ${r.subscriptions_lost} / ${r.acknowledged_writes_lost} | ${r.error_rate === null ? '-' : `${(r.error_rate * 100).toFixed(4)} %`} | ${planOk ? 'met' : '**not met**'} | ${r.passed ? 'met' : '**not met**'} |`
    );
  });
  return [head, '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

mkdirSync(out, { recursive: true });
if (!from) {
  for (const s of only) {
    log(`${s}: running at full size (minutes)`);
    await runOne(s);
  }
}
const results: DrillResult[] = [];
for (const s of only) {
  const f = join(out, `${s}.json`);
  if (!existsSync(f)) continue;
  try {
    results.push(JSON.parse(readFileSync(f, 'utf8')) as DrillResult);
  } catch {
    log(`${s}: no JSON result in ${f}`);
  }
}
const md = [summary(results), ...results.map((r) => `### ${r.scenario} (${r.started_at.slice(0, 16)} UTC)\n\n${table(r)}`)].join('\n\n');
process.stdout.write(`${md}\n`);
