import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { LocalBalancer } from './balancer.js';

export interface LocalClusterOptions {
  nodes: number;
  host: string;
  /** The balancer's port; node i listens on port + i. */
  port: number;
  /** Arguments every node gets (store, server, config, log level...). */
  nodeArgs: string[];
  log: (line: string) => void;
}

const CLI = fileURLToPath(new URL('../../../../bin/continuum.js', import.meta.url));

/**
 * `continuum up --nodes N`: N node processes on one machine sharing one store, behind a round-robin
 * balancer on the main port. A node that dies is started again after a second (a demo of losing nodes:
 * kill one, clients carry on).
 */
export async function runLocalCluster(o: LocalClusterOptions): Promise<{ balancer: LocalBalancer; stop(): Promise<void> }> {
  const children = new Map<string, ChildProcess>();
  let stopping = false;
  const ids = Array.from({ length: o.nodes }, (_, i) => `node-${i + 1}`);
  const portOf = (i: number) => o.port + i + 1;

  const launch = (id: string, i: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const child = spawn(process.execPath, [CLI, 'up', '--host', o.host, '--port', String(portOf(i)), '--node-id', id, ...o.nodeArgs], {
        stdio: ['ignore', 'inherit', 'pipe'],
        // The launcher killed with -9 takes its nodes with it.
        env: { ...process.env, CONTINUUM_EXIT_WITH_PID: String(process.pid) },
      });
      children.set(id, child);
      let err = '';
      child.stderr!.setEncoding('utf8');
      child.stderr!.on('data', (chunk: string) => {
        if (err.length < 10_000) err += chunk;
        if (/serving MCP at/.test(err)) resolve();
        process.stderr.write(chunk.split('\n').filter(Boolean).map((l) => `[${id}] ${l}\n`).join(''));
      });
      child.once('exit', (code, signal) => {
        children.delete(id);
        if (stopping) return;
        reject(new Error(`${id} exited (${signal ?? code}) before serving`));
        o.log(`${id} exited (${signal ?? `code ${code}`}); starting it again in 1 s`);
        setTimeout(() => void launch(id, i).catch((e: Error) => o.log(e.message)), 1000).unref();
      });
    });

  await Promise.all(ids.map((id, i) => launch(id, i)));
  const balancer = new LocalBalancer({ host: o.host, port: o.port, backends: ids.map((id, i) => ({ id, base: `http://${o.host}:${portOf(i)}` })) });
  await balancer.start();
  return {
    balancer,
    async stop() {
      stopping = true;
      await balancer.stop();
      await Promise.all(
        [...children.values()].map(
          (c) =>
            new Promise<void>((resolve) => {
              c.once('exit', () => resolve());
              c.kill('SIGTERM');
            }),
        ),
      );
    },
  };
}
