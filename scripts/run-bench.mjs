#!/usr/bin/env node
// Runs the benchmarks under bench/ (see docs/benchmarks.md), one after another, each in its own process:
//   npm run bench                        all of them (about 10 minutes on a 2-core machine)
//   npm run bench -- throughput          one by name (throughput, durability, memory)
//   npm run bench -- memory --sessions 2000   options after the name go to that benchmark
// Needs a build (npm run build): the benchmarks start bin/continuum.js, which runs dist/.
// Each benchmark writes bench/results/<name>-<timestamp>.json and <name>-latest.json.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const BENCHMARKS = ['throughput', 'durability', 'memory'];

const [first, ...rest] = process.argv.slice(2);
if (first === '--help' || first === '-h') {
  process.stdout.write(`usage: npm run bench [-- <${BENCHMARKS.join('|')}> [options]]\n`);
  process.exit(0);
}
if (first !== undefined && !BENCHMARKS.includes(first)) {
  process.stderr.write(`unknown benchmark "${first}" (known: ${BENCHMARKS.join(', ')})\n`);
  process.exit(2);
}
if (!existsSync(join(ROOT, 'dist', 'src', 'cli', 'index.js'))) {
  process.stderr.write('dist/ is missing: run npm run build first\n');
  process.exit(2);
}
const selected = first ? [first] : BENCHMARKS;
const args = first ? rest : [];

let current = null;
for (const sig of ['SIGINT', 'SIGTERM']) {
  // The benchmark process stops its own servers on the signal; wait for it to exit.
  process.on(sig, () => {
    if (current) current.kill(sig);
    else process.exit(130);
  });
}

const failed = [];
for (const name of selected) {
  process.stdout.write(`\n=== ${name} ===\n`);
  const code = await new Promise((done) => {
    current = spawn(process.execPath, [join(ROOT, 'bench', name, 'run.mjs'), ...args], { cwd: ROOT, stdio: 'inherit' });
    current.on('exit', (c, signal) => done(signal ? 128 : c ?? 1));
  });
  current = null;
  if (code !== 0) failed.push(name);
  if (code === 130 || code === 128) break;
}
if (failed.length) {
  process.stderr.write(`\nfailed: ${failed.join(', ')}\n`);
  process.exit(1);
}
