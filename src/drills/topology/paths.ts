import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root (the directory holding Continuum's package.json), from src/ under tsx or dist/src. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'continuum') return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('cannot find the continuum package root');
    dir = up;
  }
}

/** The CLI the harness starts nodes with (it runs the compiled dist/). */
export const cliPath = (): string => join(packageRoot(), 'bin', 'continuum.js');

/** The MCP server the harness serves (compiled): echo, a subscribable resource, a touch tool. */
export function drillServerPath(): string {
  const p = join(packageRoot(), 'dist', 'src', 'drills', 'load', 'server.js');
  if (!existsSync(p)) throw new Error(`${p} is missing: run npm run build first (the drill's nodes run the compiled server)`);
  return p;
}
