/** Per-component badges: a flat SVG, and the JSON a shields.io endpoint badge reads. */
import { esc } from './html/escape.js';
import { STATUS_LABEL, type ComponentStatus } from './model.js';
import type { StatusPageConfig } from './config.js';

export function statusColour(c: StatusPageConfig, s: ComponentStatus): string {
  const k = c.colours;
  return { operational: k.operational, under_maintenance: k.maintenance, degraded_performance: k.degraded, partial_outage: k.partial, major_outage: k.major }[s];
}

/** shields.io endpoint schema: https://shields.io/badges/endpoint-badge */
export function shieldsJson(c: StatusPageConfig, label: string, s: ComponentStatus, stale: boolean) {
  return { schemaVersion: 1, label, message: STATUS_LABEL[s].toLowerCase() + (stale ? ' (stale)' : ''), color: statusColour(c, s).slice(1), cacheSeconds: 30 };
}

/** Rough Verdana 11px advance widths, enough to size the two halves of a badge. */
function textWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += /[ilj.,:;'|!]/.test(ch) ? 3.5 : /[mwMW]/.test(ch) ? 10 : /[A-Z]/.test(ch) ? 7.5 : 6.5;
  return Math.ceil(w);
}

export function badgeSvg(c: StatusPageConfig, label: string, s: ComponentStatus, stale: boolean): string {
  const message = STATUS_LABEL[s].toLowerCase() + (stale ? ' (stale)' : '');
  const lw = textWidth(label) + 12;
  const mw = textWidth(message) + 12;
  const w = lw + mw;
  const colour = statusColour(c, s);
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="20" role="img" aria-label="${esc(label)}: ${esc(message)}">
<title>${esc(label)}: ${esc(message)}</title>
<rect width="${lw}" height="20" fill="#555"/>
<rect x="${lw}" width="${mw}" height="20" fill="${colour}"/>
<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" font-size="11">
<text x="${lw / 2}" y="14">${esc(label)}</text>
<text x="${lw + mw / 2}" y="14">${esc(message)}</text>
</g>
</svg>
`;
}
