// Medians, result files and the machine description every benchmark records.
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './proc.mjs';

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return NaN;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export function machine() {
  const c = cpus();
  return {
    cpus: c.length,
    cpuModel: c[0]?.model ?? 'unknown',
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    loadGenerator: 'autocannon, in the benchmark process, on the same machine as the servers',
    // Other work on the machine skews the figures: a 1-minute load average above the core count means
    // the servers and the load generator competed for CPU.
    loadAverageAtEnd: loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/** Writes bench/results/<name>-<timestamp>.json and bench/results/<name>-latest.json; returns the path. */
export function writeResult(name, data) {
  const dir = join(ROOT, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const body = JSON.stringify({ benchmark: name, date: new Date().toISOString(), machine: machine(), ...data }, null, 2) + '\n';
  const file = join(dir, `${name}-${stamp}.json`);
  writeFileSync(file, body);
  writeFileSync(join(dir, `${name}-latest.json`), body);
  return file;
}

/** "load average 1.2 (2 cores)": above the core count, other work competed with the benchmark for CPU. */
export function loadNote() {
  return `load average ${loadavg()[0].toFixed(2)} over the last minute on ${cpus().length} cores`;
}

export const fmt = {
  int: (n) => Math.round(n).toLocaleString('en-US'),
  ratio: (n) => `${n.toFixed(2)}x`,
  pct: (n) => `${(n * 100).toFixed(1)} %`,
  bytes: (n) => (Math.abs(n) >= 10 * 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${Math.round(n)} B`),
};

/** Parses --key value / --key=value / --flag arguments. */
export function parseArgs(argv, defaults) {
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) continue;
    const [k, inline] = a.slice(2).split('=', 2);
    const key = k.replace(/-([a-z])/g, (_, c) => c.toUpperCase());
    if (!(key in defaults)) throw new Error(`unknown option --${k} (known: ${Object.keys(defaults).map((d) => '--' + d).join(', ')})`);
    if (typeof defaults[key] === 'boolean') out[key] = inline === undefined ? true : inline !== 'false';
    else out[key] = typeof defaults[key] === 'number' ? Number(inline ?? argv[++i]) : inline ?? argv[++i];
  }
  return out;
}
