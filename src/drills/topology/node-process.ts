import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { once } from 'node:events';
import { cliPath } from './paths.js';

export interface NodeProcess {
  child: ChildProcess;
  exited(): boolean;
  exitDescription(): string;
  /** The last lines the node wrote to stderr (for a report when it misbehaves). */
  stderrTail(): string;
  /** Sends the signal and resolves once the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/** Starts `continuum up` and resolves once it serves MCP (bounded: 60 s). */
export async function startNodeProcess(args: string[], env: Record<string, string>, cwd: string): Promise<NodeProcess> {
  const child = spawn(process.execPath, [cliPath(), 'up', ...args], {
    cwd,
    // A drill killed with -9 takes its nodes with it (see `continuum up`).
    env: { ...process.env, CONTINUUM_EXIT_WITH_PID: String(process.pid), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  let served = false;
  const logFile = process.env.CONTINUUM_DRILL_NODE_LOGS;
  const nodeName = args[args.indexOf('--node-id') + 1] ?? String(child.pid);
  const exited = once(child, 'exit').catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`continuum up did not serve within 60 s:\n${tail}`));
    }, 60_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-8000);
      // Every node's log in one file, when asked (to find out afterwards what a node saw during a fault).
      if (logFile) appendFileSync(logFile, chunk.replace(/^(?=.)/gm, `[${nodeName}] `));
      if (!served && /serving MCP at/.test(tail)) {
        served = true;
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (!served) reject(new Error(`continuum up exited (${signal ?? code}) before serving:\n${tail}`));
    });
  });
  return {
    child,
    exited: () => child.exitCode !== null || child.signalCode !== null,
    exitDescription: () => `exited ${child.signalCode ?? `with code ${child.exitCode}`}; last output: ${tail.split('\n').filter(Boolean).slice(-3).join(' | ')}`,
    stderrTail: () => tail,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}
