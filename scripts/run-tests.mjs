#!/usr/bin/env node
// Runs every *.test.ts under test/ (and src/) with Node's test runner through tsx.
// Node 20's --test takes no globs, so the files are listed here. Extra arguments are passed on
// (e.g. a file path to run one file).
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (name === 'node_modules' || name === 'fixtures') continue;
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.ts')) ? [] : [...find('test'), ...find('src')].sort();
const r = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=180000', ...args, ...files],
  { stdio: 'inherit' },
);
process.exit(r.status ?? 1);
