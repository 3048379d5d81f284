// Starting and stopping the processes a benchmark measures. Every process started here is stopped when
// the benchmark ends, fails, or is interrupted (Ctrl-C / SIGTERM).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CONTINUUM_BIN = join(ROOT, 'bin', 'continuum.js');
export const ECHO_V2 = join(ROOT, 'bench', 'servers', 'echo-v2.mjs');
export const SDK_V1_SERVER = join(ROOT, 'bench', 'servers', 'sdk-v1-stateful.mjs');
export const GC_PRELOAD = join(ROOT, 'bench', 'lib', 'gc-on-signal.mjs');

const children = new Set();
const tempDirs = new Set();
let hooked = false;

function hookExit() {
  if (hooked) return;
  hooked = true;
  // Last resort: the benchmark exits (normally or after an uncaught error) with children still running.
  process.on('exit', () => {
    for (const c of children) {
      try {
        c.proc.kill('SIGKILL');
      } catch {
        // already gone
      }
    }
    for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  });
  let stopping = false;
  for (const sig of ['SIGINT', 'SIGTERM']) {
    // A second signal (the terminal sends Ctrl-C to the whole process group, and run-bench relays it)
    // must not kill this process before its servers are stopped.
    process.on(sig, () => {
      if (stopping) return;
      stopping = true;
      process.stderr.write(`\nbench: ${sig}, stopping ${children.size} process(es)\n`);
      Promise.allSettled([...children].map((c) => c.stop(2000))).finally(() => process.exit(130));
    });
  }
}

/** A temporary directory removed when the benchmark exits. */
export function tempDir(prefix = 'continuum-bench-') {
  hookExit();
  const d = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(d);
  return d;
}

/** The environment without any CONTINUUM_* variable of the caller's shell, plus `extra`. */
function cleanEnv(extra) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('CONTINUUM_')) env[k] = v;
  return { ...env, ...extra };
}

/**
 * Starts `node [nodeArgs] script [args]` and resolves once `readyPattern` appears in its output
 * (its first capture group is returned as `match`).
 */
export function startNode({ name, nodeArgs = [], script, args = [], env = {}, cwd = ROOT, readyPattern, timeoutMs = 20_000 }) {
  hookExit();
  const proc = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd, env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let exited = null;
  const exitPromise = new Promise((r) => proc.once('exit', (code, signal) => r((exited = { code, signal }))));
  const child = {
    name,
    proc,
    pid: proc.pid,
    get output() {
      return output;
    },
    /** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
    async stop(graceMs = 10_000) {
      if (exited) return exited;
      proc.kill('SIGTERM');
      const t = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const r = await exitPromise;
      clearTimeout(t);
      children.delete(child);
      return r;
    },
  };
  children.add(child);
  exitPromise.then(() => children.delete(child));
  let ready = false;
  return new Promise((resolveReady, reject) => {
    const timer = setTimeout(() => {
      void child.stop(1000);
      reject(new Error(`${name} did not start within ${timeoutMs} ms:\n${output}`));
    }, timeoutMs);
    const onData = (chunk) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      const m = ready ? null : readyPattern.exec(output);
      if (m) {
        ready = true;
        clearTimeout(timer);
        resolveReady(m[1]);
      }
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    exitPromise.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (code ${code}, signal ${signal}) before it was ready:\n${output}`));
    });
  }).then((match) => Object.assign(child, { match }));
}

/**
 * Starts `continuum up` on a free port with a SQLite store in a fresh temporary directory, serving
 * `server` (the SDK v2 echo server by default). Resolves with { url, base, pid, stop, ... }.
 */
export async function startContinuum({ name = 'continuum', env = {}, nodeArgs = [], server = ECHO_V2, cwd } = {}) {
  const dir = cwd ?? tempDir();
  const child = await startNode({
    name,
    nodeArgs,
    script: CONTINUUM_BIN,
    args: ['up', '--port', '0', '--store', `sqlite:${join(dir, 'c.db')}`, '--server', server],
    env: { CONTINUUM_LOG_LEVEL: 'warn', ...env },
    cwd: dir,
    readyPattern: /serving MCP at (http:\/\/127\.0\.0\.1:\d+\/mcp)/,
  });
  return Object.assign(child, { url: child.match, base: child.match.replace(/\/mcp$/, ''), dir });
}

/** Starts the SDK v1 stateful echo server on a free port. */
export async function startSdkV1({ name = 'sdk-v1', nodeArgs = [] } = {}) {
  const child = await startNode({
    name,
    nodeArgs,
    script: SDK_V1_SERVER,
    readyPattern: /listening (http:\/\/127\.0\.0\.1:\d+\/mcp)/,
  });
  return Object.assign(child, { url: child.match, base: child.match.replace(/\/mcp$/, '') });
}

/** Resident set size of a process in bytes (VmRSS from /proc/<pid>/status). */
export function rssBytes(pid) {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!m) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(m[1]) * 1024;
}

/** VmRSS split into anonymous, file-backed and shared memory (bytes), from /proc/<pid>/status. */
export function rssBreakdown(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), anon: kb('RssAnon'), file: kb('RssFile'), shmem: kb('RssShmem') };
}

/** CPU time (user + system) a process has used so far, in seconds, from /proc/<pid>/stat (100 ticks/s). */
export function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Stops every process still running (each benchmark calls this in `finally`). */
export async function stopAll() {
  await Promise.allSettled([...children].map((c) => c.stop()));
}
