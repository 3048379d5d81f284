#!/usr/bin/env node
// Runs the benchmarks under bench/ (see docs/benchmarks.md), one after another, each in its own process:
//   npm run bench                               the foundation benchmarks: throughput, durability, memory
//                                               (about 12 minutes on a 2-core machine)
//   npm run bench -- throughput                 one by name: any bench/<name>/run.mjs or run.ts
//   npm run bench -- memory --sessions 2000     options after the name go to that benchmark
// Needs a build (npm run build): the benchmarks start bin/continuum.js, which runs dist/. A run.ts
// benchmark runs under node --import tsx. Each benchmark writes bench/results/<name>-*.json.
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT = ['throughput', 'durability', 'memory'];

/** bench/<name>/run.mjs or run.ts, by name. */
function discover() {
  const found = new Map();
  for (const name of readdirSync(join(ROOT, 'bench'))) {
    for (const file of ['run.mjs', 'run.ts']) {
      const p = join(ROOT, 'bench', name, file);
      if (!found.has(name) && existsSync(p)) found.set(name, p);
    }
  }
  return found;
}

const available = discover();
const [first, ...rest] = process.argv.slice(2);
if (first === '--help' || first === '-h') {
  process.stdout.write(`usage: npm run bench [-- <name> [options]]\n  default: ${DEFAULT.join(', ')}\n  available: ${[...available.keys()].join(', ')}\n`);
  process.exit(0);
}
if (first !== undefined && !available.has(first)) {
  process.stderr.write(`unknown benchmark "${first}" (available: ${[...available.keys()].join(', ')})\n`);
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'index.js'))) {
  process.stderr.write('dist/ is missing: run npm run build first\n');
  process.exit(2);
}
const selected = first ? [first] : DEFAULT.filter((n) => available.has(n));
const args = first ? rest : [];

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  // The benchmark stops its own servers on the signal; wait for it to exit.
  process.on(sig, () => {
    if (current) current.kill(sig);
    else process.exit(130);
  });
}

const failed = [];
for (const name of selected) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const script = available.get(name);
  const nodeArgs = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const code = await new Promise((done) => {
    current = spawn(process.execPath, [...nodeArgs, script, ...args], { cwd: ROOT, stdio: 'inherit' });
    current.on('exit', (c, signal) => done(signal ? 128 : c ?? 1));
  });
  current = null;
  if (code !== 0) failed.push(name);
  if (code >= 128) break;
}
if (failed.length) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
