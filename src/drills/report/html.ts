import type { DrillResult } from '../runner/result.js';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * A self-contained HTML report (no scripts, no external files): an SVG chart of requests/s, errors/s and
 * p99 latency per second with the fault and recovery instants marked, and the success-criteria table.
 */
export function htmlReport(r: DrillResult): string {
  const W = 900;
  const H = 260;
  const pad = { l: 50, r: 50, t: 20, b: 30 };
  const tl = r.timeline;
  const n = Math.max(1, tl.length);
  const x = (t: number) => pad.l + (t / n) * (W - pad.l - pad.r);
  const maxRps = Math.max(1, ...tl.map((b) => b.requests));
  const maxLat = Math.max(1, ...tl.map((b) => b.p99_ms));
  const yRps = (v: number) => H - pad.b - (v / maxRps) * (H - pad.t - pad.b);
  const yLat = (v: number) => H - pad.b - (v / maxLat) * (H - pad.t - pad.b);
  const line = (pts: [number, number][]) => pts.map(([a, b], i) => `${i ? 'L' : 'M'}${a.toFixed(1)},${b.toFixed(1)}`).join(' ');
  const rpsPath = line(tl.map((b) => [x(b.t + 0.5), yRps(b.requests)]));
  const errPath = line(tl.map((b) => [x(b.t + 0.5), yRps(b.failed)]));
  const latPath = line(tl.map((b) => [x(b.t + 0.5), yLat(b.p99_ms)]));
  const marks = r.markers
    .filter((m) => m.kind === 'fault' || m.kind === 'revert')
    .map((m) => {
      const mx = x(m.t_ms / 1000);
      const color = m.kind === 'fault' ? '#c0392b' : '#27ae60';
      return `<line x1="${mx}" x2="${mx}" y1="${pad.t}" y2="${H - pad.b}" stroke="${color}" stroke-dasharray="4 3"/><text x="${mx + 3}" y="${pad.t + 10}" font-size="10" fill="${color}">${esc(m.name)}</text>`;
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="requests, errors and p99 latency per second">
<rect x="0" y="0" width="${W}" height="${H}" fill="#fff"/>
<line x1="${pad.l}" y1="${H - pad.b}" x2="${W - pad.r}" y2="${H - pad.b}" stroke="#999"/>
<text x="${pad.l - 5}" y="${pad.t + 5}" font-size="10" text-anchor="end">${maxRps}/s</text>
<text x="${W - pad.r + 5}" y="${pad.t + 5}" font-size="10">${maxLat} ms</text>
<text x="${W / 2}" y="${H - 5}" font-size="10" text-anchor="middle">seconds (${n} s)</text>
<path d="${rpsPath}" fill="none" stroke="#2c7fb8" stroke-width="1.5"/>
<path d="${errPath}" fill="none" stroke="#c0392b" stroke-width="1.5"/>
<path d="${latPath}" fill="none" stroke="#8e44ad" stroke-width="1" stroke-dasharray="2 2"/>
${marks}
</svg>`;
  const rows = r.criteria
    .map(
      (c) =>
        `<tr><td>${esc(c.name)}</td><td>${c.plan ? esc(`${c.plan} ${c.unit}`) : '-'}</td><td>${c.goal ? esc(`${c.goal} ${c.unit}`) : '-'}</td><td>${c.measured === null ? 'not measured' : esc(`${c.measured} ${c.unit}`)}</td><td class="${c.passed ? 'pass' : 'fail'}">${c.passed ? 'pass' : 'FAIL'}</td></tr>`,
    )
    .join('\n');
  const problems = [...(r.error ? [`error: ${r.error}`] : []), ...r.problems].map((p) => `<li>${esc(p)}</li>`).join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Drill: ${esc(r.title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:960px;margin:2em auto;color:#222}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:4px 8px;text-align:left}.pass{color:#27ae60}.fail{color:#c0392b;font-weight:bold}.legend span{margin-right:1.5em}</style>
</head><body>
<h1>Drill: ${esc(r.title)} <small>(${esc(r.scenario)})</small></h1>
<p><strong class="${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASSED' : 'FAILED'}</strong> against ${r.against === 'plan' ? "the plan's targets" : 'our goals'}; status ${esc(r.status)}; started ${esc(r.started_at)}; ${(r.duration_ms / 1000).toFixed(1)} s; scale ${r.scale}.<br>
Target: ${esc(r.target)}. Load: ${r.load.sessions} sessions, ${r.load.workers} workers.</p>
<h2>Requests, errors and latency</h2>
<p class="legend"><span style="color:#2c7fb8">requests/s</span><span style="color:#c0392b">errors/s</span><span style="color:#8e44ad">p99 latency (right scale)</span><span style="color:#c0392b">- - fault</span><span style="color:#27ae60">- - recovery</span></p>
${svg}
<h2>Success criteria</h2>
<table><tr><th>Criterion</th><th>Plan target</th><th>Our goal</th><th>Measured</th><th>Result</th></tr>
${rows}
</table>
<h2>Measured</h2>
<ul>
<li>failover (client-visible): ${r.failover_ms ?? '-'} ms; longest interruption: ${r.interruption_ms ?? '-'} ms; recovery: ${r.recovery_ms ?? '-'} ms; restored (revert done): ${r.restore_ms ?? '-'} ms</li>
<li>sessions lost: ${r.sessions_lost} of ${r.sessions_total}; subscriptions lost: ${r.subscriptions_lost} of ${r.subscriptions_total}</li>
<li>requests failed: ${r.requests_failed} of ${r.requests_total} (${(r.error_rate * 100).toFixed(3)} %)</li>
<li>acknowledged writes lost: ${r.acknowledged_writes_lost ?? 'not checked'} of ${r.acknowledged_writes_total}</li>
</ul>
${problems ? `<h2>Problems</h2><ul>${problems}</ul>` : ''}
</body></html>
`;
}
