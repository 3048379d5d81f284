/**
 * What every local PostgreSQL launcher needs (the replicated cluster here, the tests' private server,
 * the Patroni benchmark): the server binaries, the OS user they must run as, and a bounded wait.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

const SERVER_ROOT = '/usr/lib/postgresql';

/** The bin directory of the newest installed PostgreSQL server, or undefined. */
export function findPostgresBinaries(): string | undefined {
  if (!existsSync(SERVER_ROOT)) return undefined;
  const versions = readdirSync(SERVER_ROOT)
    .filter((v) => existsSync(join(SERVER_ROOT, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length > 0 ? join(SERVER_ROOT, versions[0], 'bin') : undefined;
}

export interface OsUser {
  uid: number;
  gid: number;
}

/** The postgres OS user when we are root (the server will not run as root), else undefined. */
export function serverOwner(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and PostgreSQL refuses to run as root, but there is no "postgres" OS user to run it as (useradd postgres)');
  }
}

/** The command line that runs `binary` as the server's owner (runuser when we are root). */
export function asOwner(owner: OsUser | undefined, binary: string, args: string[]): [string, string[]] {
  return owner ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
}

/** Polls `check` until it is true (a throw counts as not yet), or fails naming `what` and the last error. */
export async function waitFor(check: () => Promise<boolean>, timeoutMs: number, what: string, everyMs = 100): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      if (await check()) return;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
