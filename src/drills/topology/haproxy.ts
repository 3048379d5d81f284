import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort } from './ports.js';

/** HAProxy on the PATH or in the usual sbin directories, or null. */
export function findHaproxy(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':').filter(Boolean), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((d) => join(d, 'haproxy')).find((p) => existsSync(p)) ?? null;
}

export interface DrillBalancer {
  /** Base URL (no path). */
  url: string;
  stop(): Promise<void>;
  /** Synchronous last resort on process exit. */
  killNow(): void;
}

/** HAProxy's timeouts and health-check pacing (its config syntax: 500ms, 2s). */
export interface HaproxyTiming {
  connectTimeout: string;
  checkTimeout: string;
  /** Check interval, and the faster one while a node's state is changing. */
  inter: string;
  fastinter: string;
  fall: number;
  rise: number;
  /** Ramp-up of a node that comes back ('0s': none). */
  slowstart: string;
}

/** The drill's timings (see startHaproxy for why the check timeout is 2 s). */
export const DRILL_TIMING: HaproxyTiming = { connectTimeout: '500ms', checkTimeout: '2s', inter: '500ms', fastinter: '200ms', fall: 3, rise: 2, slowstart: '5s' };

/**
 * A real HAProxy in front of the nodes, configured as deploy/haproxy/haproxy.cfg recommends (round robin,
 * /readyz checks, retries of requests that never reached a node, open streams cut when a node is marked
 * down, slow start for a node that comes back; 3 failed checks mark a node down). Checks time out after
 * 2 s, not deploy's 1 s: on two cores shared by every node, the balancer, PostgreSQL and a thousand
 * clients, a full-size run's busy seconds made healthy nodes miss 1 s checks, HAProxy marked every node
 * down and answered "no server is available" to everyone. Its config lives in the drill's work directory.
 */
export async function startHaproxy(
  binary: string,
  dir: string,
  backends: { id: string; port: number }[],
  timing: HaproxyTiming = DRILL_TIMING,
): Promise<DrillBalancer> {
  const port = await freePort();
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  maxconn 8000
defaults
  mode http
  timeout connect ${timing.connectTimeout}
  timeout check ${timing.checkTimeout}
  timeout client 120s
  timeout server 120s
  timeout tunnel 1h
  retries 3
  option redispatch 1
  retry-on conn-failure empty-response 503
  option http-buffer-request
frontend mcp
  bind 127.0.0.1:${port}
  default_backend nodes
backend nodes
  balance roundrobin
  option httpchk GET /readyz
  http-check expect status 200
  default-server inter ${timing.inter} fastinter ${timing.fastinter} fall ${timing.fall} rise ${timing.rise} slowstart ${timing.slowstart} on-marked-down shutdown-sessions
${backends.map((b) => `  server ${b.id} 127.0.0.1:${b.port} check`).join('\n')}
`,
  );
  const child: ChildProcess = spawn(binary, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`haproxy exited: ${err}`);
    if (await accepts(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy did not listen on ${port} within 10 s: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  // Servers start unchecked; wait until HAProxy routes to one (its first health checks passed).
  for (;;) {
    const r = await fetch(`http://127.0.0.1:${port}/readyz`).catch(() => null);
    await r?.arrayBuffer();
    if (r?.status === 200) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`haproxy found no ready node within 10 s: ${err}`);
    }
    await new Promise((res) => setTimeout(res, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
    killNow: () => void child.kill('SIGKILL'),
  };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1', () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}
