import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DrillResult } from '../../src/drills/runner/result.js';
import { startPrivateCluster, type PrivateCluster } from '../support/postgres.js';
import { CLI } from '../support/node-process.js';

/** Fast cluster timings, so the scaled partition bands (seconds) are detected in time. */
export const FAST_NODE_ENV = ['CONTINUUM_CLUSTER_HEARTBEAT=100ms', 'CONTINUUM_CLUSTER_FAIL_AFTER=600ms', 'CONTINUUM_CLUSTER_LEASE_TTL=1500ms'];

/**
 * A private PostgreSQL server for one drill test (the drill creates and drops its own database on it).
 * Private, not the shared test server: a drill's nodes hold dozens of connections, which a server shared
 * with other test files can run out of ("too many clients").
 */
export async function privatePostgres(): Promise<PrivateCluster> {
  return startPrivateCluster({ settings: { max_connections: 200, fsync: false } });
}

export interface DrillRun {
  code: number | null;
  result: DrillResult | null;
  stderr: string;
}

/** `continuum drill <args> --json` as a real process (the compiled CLI, as users run it). */
export function spawnDrill(args: string[], onStderr?: (all: string, pid: number) => void): { pid: number; done: Promise<DrillRun> } {
  const reports = mkdtempSync(join(tmpdir(), 'continuum-drill-reports-'));
  const child = spawn(process.execPath, [CLI, 'drill', ...args, '--json', '--no-record', '--reports', reports], { stdio: ['ignore', 'pipe', 'pipe'] });
  // If this test process ends first (a timeout), the drill is interrupted so it tears its topology down.
  const interrupt = () => child.kill('SIGINT');
  process.once('exit', interrupt);
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => {
    err += c.toString();
    onStderr?.(err, child.pid!);
  });
  const done = new Promise<DrillRun>((resolve) =>
    child.on('close', (code) => {
      process.removeListener('exit', interrupt);
      rmSync(reports, { recursive: true, force: true });
      let result: DrillResult | null;
      try {
        result = out.trim() ? (JSON.parse(out) as DrillResult) : null;
      } catch {
        result = null;
      }
      resolve({ code, result, stderr: err });
    }),
  );
  return { pid: child.pid!, done };
}

/** Small load for CI: few sessions, few workers, a trickle of new sessions. */
export const SMALL = ['--sessions', '20', '--workers', '6'];

/** What every drill's JSON holds, whatever the scenario (the keys of the contract). */
export function assertShape(r: DrillResult, scenario: string): void {
  for (const key of ['scenario', 'passed', 'criteria', 'failover_ms', 'sessions_total', 'sessions_lost', 'requests_total', 'requests_failed', 'error_rate', 'recovery_ms', 'restore_ms', 'acknowledged_writes_lost', 'timeline']) {
    assert.ok(key in r, `result has ${key}`);
  }
  assert.equal(r.scenario, scenario);
  assert.equal(r.status, 'completed', `${r.error ?? ''} ${r.problems.join('; ')}`);
  assert.ok(r.criteria.length > 0);
  for (const c of r.criteria) {
    for (const key of ['name', 'target', 'measured', 'unit', 'passed']) assert.ok(key in c, `criterion has ${key}`);
    assert.equal(typeof c.measured, 'number', `${c.name} measured`);
  }
  if (r.passed) assert.ok(r.criteria.every((c) => c.passed) && r.steady_state.before === true, 'passed only if every criterion passed');
  assert.ok(r.requests_total > 0 && r.timeline.length > 0);
  assert.ok(r.markers.some((m) => m.kind === 'fault'), 'the fault is marked on the timeline');
  assert.equal(r.sessions_total, r.load.sessions + r.acknowledged_writes_total);
  // Whatever the timing on a shared CI machine, nothing acknowledged may be lost.
  assert.equal(r.sessions_lost, 0, r.problems.join('\n'));
  assert.equal(r.subscriptions_lost, 0, r.problems.join('\n'));
  assert.equal(r.acknowledged_writes_lost, 0);
  assert.equal(r.steady_state.before, true);
}

