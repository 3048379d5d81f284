// Summarizes a V8 .cpuprofile (node --cpu-prof): self time by function and by module.
//   node bench/lib/cpuprofile.mjs <file.cpuprofile> [top]
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

function moduleOf(url) {
  if (!url) return '(native/vm)';
  const nm = url.lastIndexOf('node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + 'node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = url.indexOf('/dist/src/');
  if (dist >= 0) return `continuum ${url.slice(dist + 6)}`;
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

export function summarize(file, top = 25) {
  const p = JSON.parse(readFileSync(file, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map();
  for (let i = 0; i < p.samples.length; i++) {
    self.set(p.samples[i], (self.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  // Percentages are of busy time: samples where the process was idle (waiting in the event loop) are left out.
  let idle = 0;
  const fns = new Map();
  const mods = new Map();
  for (const [id, us] of self) {
    const cf = byId.get(id).callFrame;
    if (cf.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = cf.functionName || '(anonymous)';
    const key = `${name}  ${moduleOf(cf.url)}:${cf.lineNumber + 1}`;
    fns.set(key, (fns.get(key) ?? 0) + us);
    const mod = cf.url ? moduleOf(cf.url) : name.startsWith('(') ? name : '(native/vm)';
    mods.set(mod, (mods.get(mod) ?? 0) + us);
  }
  const rank = (m) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), pct: Math.round((us / (total - idle)) * 1000) / 10 }));
  return { totalMs: Math.round(total / 1000), busyMs: Math.round((total - idle) / 1000), functions: rank(fns), modules: rank(mods) };
}

export function printSummary(s, out = process.stdout) {
  out.write(`  sampled ${s.totalMs} ms, busy ${s.busyMs} ms (percentages below are of busy time)\n  top self time by function:\n`);
  for (const f of s.functions) out.write(`    ${String(f.pct).padStart(5)} %  ${f.name}\n`);
  out.write('  by module:\n');
  for (const m of s.modules) out.write(`    ${String(m.pct).padStart(5)} %  ${m.name}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  if (!process.argv[2]) {
    process.stderr.write('usage: node bench/lib/cpuprofile.mjs <file.cpuprofile> [top]\n');
    process.exit(2);
  }
  printSummary(summarize(process.argv[2], Number(process.argv[3] ?? 25)));
}
