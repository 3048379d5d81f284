import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

const BINARY = [...(process.env.PATH ?? '').split(':').filter(Boolean).map((d) => join(d, 'haproxy')), '/usr/sbin/haproxy', '/usr/local/sbin/haproxy'].find((p) =>
  existsSync(p),
);

export interface Haproxy {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * A real HAProxy in front of the nodes, configured as deploy/haproxy/haproxy.cfg recommends: round robin,
 * no stickiness, /readyz health checks, and retries of requests that never reached a node.
 */
export async function startHaproxy(backends: { id: string; port: number }[], mcpPath = '/mcp'): Promise<Haproxy> {
  if (!BINARY) throw new Error('HAProxy is not installed: apt-get install haproxy (.ci/run installs it)');
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'continuum-haproxy-'));
  const cfg = join(dir, 'haproxy.cfg');
  writeFileSync(
    cfg,
    `global
  maxconn 4096
defaults
  mode http
  timeout connect 100ms
  timeout check 1s
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
  default-server inter 250ms fastinter 100ms fall 3 rise 1 on-marked-down shutdown-sessions
${backends.map((b) => `  server ${b.id} 127.0.0.1:${b.port} check`).join('\n')}
`,
  );
  const child: ChildProcess = spawn(BINARY, ['-f', cfg, '-db'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(port, () => (child.exitCode !== null ? `haproxy exited: ${err}` : null));
  return {
    url: `http://127.0.0.1:${port}${mcpPath}`,
    port,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolves once something accepts connections on the port (bounded: 10 s). */
async function waitForPort(port: number, failed: () => string | null): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const problem = failed();
    if (problem) throw new Error(problem);
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect(port, '127.0.0.1', () => {
        s.destroy();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listens on ${port} after 10 s`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
