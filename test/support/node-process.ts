import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = `${ROOT}bin/continuum.js`;
/** Compiled fixtures (npm test builds first; tsconfig.build.json compiles test/fixtures). */
export const fixture = (name: string) => `${ROOT}dist/test/fixtures/${name}.js`;

export interface NodeProcess {
  child: ChildProcess;
  url: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  /** Sends a signal and resolves with the exit code/signal once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/**
 * Starts `continuum up` as a real child process and resolves once it prints where it serves MCP.
 * The caller picks the port so a restarted node comes back at the same URL.
 */
export async function startNode(args: string[], env: Record<string, string> = {}): Promise<NodeProcess> {
  // Each node's incident journal lives outside the work tree, kept per port so a restarted node finds its own.
  const port = args.includes('--port') ? args[args.indexOf('--port') + 1] : '0';
  const journal = join(tmpdir(), `continuum-test-journal-${process.pid}-${port === '0' ? Math.random().toString(36).slice(2) : port}.jsonl`);
  const child = spawn(process.execPath, [CLI, 'up', '--log-level', 'warn', ...args], {
    cwd: ROOT,
    // A test file that times out is killed without its after() hooks: the node then exits by itself.
    env: { ...process.env, CONTINUUM_INCIDENTS_JOURNAL: journal, CONTINUUM_EXIT_WITH_PID: String(process.pid), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      err += chunk;
      // CONTINUUM_TEST_NODE_LOGS=<file>: every node's stderr also goes there, to read after a failed run.
      if (process.env.CONTINUUM_TEST_NODE_LOGS) appendFileSync(process.env.CONTINUUM_TEST_NODE_LOGS, chunk.replace(/^/gm, `[${process.pid}:${port}] `));
      const m = /serving MCP at (\S+)/.exec(err);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`continuum up exited with ${code} before serving:\n${err}`)));
  });
  return {
    child,
    url,
    stderr: () => err,
    kill: async (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const [code, sig] = await exited;
      return { code, signal: sig };
    },
  };
}
