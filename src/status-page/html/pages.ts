/**
 * Server-rendered pages: the status page, incident history, an incident's permalink (with its
 * post-mortem when published), a maintenance window's page, and the subscription form and its answer.
 * Complete without JavaScript; every value goes through esc().
 */
import type { Maintenance } from '../../maintenance/model.js';
import type { StatusPageConfig } from '../config.js';
import { IMPACT_OF } from '../model.js';
import type { PublicIncident } from '../projection.js';
import { isGroup, type ComponentView, type StatusView } from '../view.js';
import { esc } from './escape.js';
import { componentWords, formatDay, formatDuration, formatTime, IMPACT_WORDS, MAINTENANCE_WORDS, percent, STATUS_WORDS, statusClass } from './format.js';

export interface PageContext {
  view: StatusView;
  config: StatusPageConfig;
  /** Base path of the page (for links), ending in /. */
  path: string;
  /** Whether subscriptions are wired (the form is shown only then). */
  canSubscribe: boolean;
}

const HISTORY_PAGE = 20;

function layout(x: PageContext, title: string, body: string, opts: { live?: boolean } = {}): string {
  const c = x.config;
  const p = x.path;
  const logo = c.logo ? `<img src="${esc(c.logo)}" alt="">` : '';
  const asOf = x.view.asOf === null ? 'never' : formatTime(x.view.asOf, c.timeZone);
  return `<!doctype html>
<html lang="en" data-version="${esc(x.view.key)}" data-events="${esc(p)}events">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="${esc(p)}status.css">
<link rel="alternate" type="application/rss+xml" title="${esc(c.name)} incidents (RSS)" href="${esc(p)}history.rss">
<link rel="alternate" type="application/atom+xml" title="${esc(c.name)} incidents (Atom)" href="${esc(p)}history.atom">
<meta name="theme-color" content="${esc(c.colours.brand)}">
${opts.live === false ? '' : `<script src="${esc(p)}status.js" defer></script>`}
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="site"><div class="wrap">
<a class="brand" href="${esc(p)}">${logo}<span>${esc(c.name)} status</span></a>
<nav aria-label="Status page"><ul>
<li><a href="${esc(p)}">Current status</a></li>
<li><a href="${esc(p)}history">Incident history</a></li>
${x.canSubscribe ? `<li><a href="${esc(p)}subscribe">Subscribe</a></li>` : ''}
</ul></nav>
</div></header>
<main id="main" class="wrap" tabindex="-1">
<div id="live">
${staleBanner(x)}
${body}
</div>
<p class="live-state" id="live-state" role="status"></p>
</main>
<footer><div class="wrap">
<ul>
<li><a href="${esc(p)}history.rss">RSS</a></li>
<li><a href="${esc(p)}history.atom">Atom</a></li>
<li><a href="${esc(p)}api/v2/summary.json">API (Statuspage v2 JSON)</a></li>
</ul>
<p>Times in ${esc(c.timeZone)}. Data as of ${esc(asOf)}.</p>
</div></footer>
</body>
</html>
`;
}

function staleBanner(x: PageContext): string {
  if (!x.view.stale) return '';
  const since = x.view.asOf === null ? 'since this node started' : `since ${formatTime(x.view.asOf, x.config.timeZone)}`;
  return `<div class="stale" role="alert"><strong>This page may be out of date.</strong> The status database has not answered ${esc(since)}; what you see is what this server last knew. It refreshes by itself once the database is back.</div>`;
}

function overall(x: PageContext): string {
  const v = x.view;
  const cls = v.indicator === 'none' && v.description === 'Service Under Maintenance' ? 'maint' : v.indicator;
  return `<section class="overall ${esc(cls)}" aria-labelledby="overall-h"><h1 id="overall-h">${esc(v.description)}</h1><p>Updated ${esc(formatTime(v.updatedAt, x.config.timeZone))}</p></section>`;
}

function componentNames(x: PageContext, ids: string[]): string {
  return ids.map((id) => x.view.components.find((c) => c.id === id)?.name ?? id).join(', ');
}

function incidentCard(x: PageContext, pi: PublicIncident, level: 'h2' | 'h3'): string {
  const i = pi.incident;
  const tz = x.config.timeZone;
  const href = `${x.path}incidents/${encodeURIComponent(i.id)}`;
  const updates = [...pi.updates].reverse();
  return `<article class="card ${esc(IMPACT_OF[i.severity])}" aria-labelledby="i-${esc(i.id)}">
<${level} id="i-${esc(i.id)}"><a href="${esc(href)}">${esc(i.title)}</a></${level}>
<p class="meta">${esc(IMPACT_WORDS[IMPACT_OF[i.severity]])} impact${i.components.length ? ` · Affects ${esc(componentNames(x, i.components))}` : ''} · Started ${esc(formatTime(i.startedAt, tz))}</p>
<ol class="timeline" aria-label="Updates, newest first">
${updates.map((u) => `<li><span class="st">${esc(STATUS_WORDS[u.status])}</span> - <time datetime="${new Date(u.at).toISOString()}">${esc(formatTime(u.at, tz))}</time><p class="body">${esc(u.body)}</p></li>`).join('\n')}
</ol>
</article>`;
}

function maintenanceCard(x: PageContext, m: Maintenance, level: 'h2' | 'h3'): string {
  const tz = x.config.timeZone;
  const href = `${x.path}maintenance/${encodeURIComponent(m.id)}`;
  const latest = m.updates.at(-1);
  return `<article class="card maint" aria-labelledby="m-${esc(m.id)}">
<${level} id="m-${esc(m.id)}"><a href="${esc(href)}">${esc(m.title)}</a></${level}>
<p class="meta">${esc(MAINTENANCE_WORDS[m.status] ?? m.status)} · ${esc(formatTime(m.scheduledFor, tz))} to ${esc(formatTime(m.scheduledUntil, tz))} · Affects ${esc(componentNames(x, m.components))}</p>
${latest ? `<p class="body">${esc(latest.body)}</p>` : ''}
</article>`;
}

/**
 * The uptime bars as one small SVG: runs of days with the same look are one dashed stroke (a dash per
 * day, the gaps between them from the dash pattern), so 90 days cost a few hundred bytes, not 90
 * elements. Days with an outage are their own run, with a tooltip.
 */
function bars(x: PageContext, c: ComponentView): string {
  const tz = x.config.timeZone;
  const look = (d: (typeof c.days)[number]) => (d.uptime === null ? 'nodata' : d.worst === 'operational' ? 'ok' : statusClass(d.worst));
  const runs: string[] = [];
  for (let i = 0; i < c.days.length; ) {
    const d = c.days[i];
    const cls = look(d);
    const alone = cls !== 'ok' && cls !== 'nodata';
    let j = i + 1;
    while (!alone && j < c.days.length && look(c.days[j]) === cls) j++;
    const tip = alone ? `<title>${esc(`${d.date}: ${percent(d.uptime)} uptime${d.majorMinutes ? `, ${d.majorMinutes} min major outage` : ''}${d.partialMinutes ? `, ${d.partialMinutes} min partial outage` : ''}`)}</title>` : '';
    runs.push(`<path class="${cls}" d="M${i} 5H${j}">${tip}</path>`);
    i = j;
  }
  return `<svg class="bars" viewBox="0 0 ${c.days.length} 10" preserveAspectRatio="none" aria-hidden="true" focusable="false">${runs.join('')}</svg>
<div class="legend"><span>${x.config.historyDays} days ago</span><span>${esc(percent(c.uptime))} uptime</span><span>Today (${esc(formatDay(x.view.now, tz))})</span></div>`;
}

function componentItem(x: PageContext, c: ComponentView): string {
  const override = c.override ? `<p class="override">Status set by an operator${c.override.reason ? `: ${esc(c.override.reason)}` : ''}</p>` : '';
  return `<li id="c-${esc(c.id)}">
<div class="row"><span class="name">${esc(c.name)}</span><span class="status ${statusClass(c.status)}">${esc(componentWords(c.status))}</span></div>
${c.description ? `<p class="meta">${esc(c.description)}</p>` : ''}${override}
<p class="meta"><span class="sr">${esc(percent(c.uptime))} uptime over the last ${x.config.historyDays} days.</span> <a href="${esc(x.path)}badge/${encodeURIComponent(c.id)}.svg">Badge</a></p>
${bars(x, c)}
</li>`;
}

function componentsSection(x: PageContext): string {
  if (x.view.layout.length === 0) return `<h2 id="components-h">Components</h2><p>No components are configured yet.</p>`;
  const items = x.view.layout.map((item) => {
    if (!isGroup(item)) return componentItem(x, item);
    return `<li id="g-${esc(item.id)}">
<div class="row"><h3 class="name">${esc(item.name)}</h3><span class="status ${statusClass(item.status)}">${esc(componentWords(item.status))}</span></div>
${item.description ? `<p class="meta">${esc(item.description)}</p>` : ''}
<ul class="members">${item.components.map((m) => componentItem(x, m)).join('\n')}</ul>
</li>`;
  });
  return `<section aria-labelledby="components-h"><h2 id="components-h">Components</h2><ul class="components">${items.join('\n')}</ul></section>`;
}

export function indexPage(x: PageContext): string {
  const v = x.view;
  const active = v.maintenances.filter((m) => m.status === 'in_progress' || m.status === 'verifying');
  const upcoming = v.maintenances.filter((m) => m.status === 'scheduled').sort((a, b) => a.scheduledFor - b.scheduledFor);
  const recent = v.incidents.filter((i) => !v.unresolved.includes(i)).slice(0, 5);
  const body = [
    overall(x),
    v.unresolved.length
      ? `<section aria-labelledby="active-h"><h2 id="active-h">Active incidents</h2>${v.unresolved.map((i) => incidentCard(x, i, 'h3')).join('\n')}</section>`
      : '',
    active.length ? `<section aria-labelledby="maint-now-h"><h2 id="maint-now-h">Maintenance in progress</h2>${active.map((m) => maintenanceCard(x, m, 'h3')).join('\n')}</section>` : '',
    componentsSection(x),
    upcoming.length ? `<section aria-labelledby="maint-next-h"><h2 id="maint-next-h">Scheduled maintenance</h2>${upcoming.map((m) => maintenanceCard(x, m, 'h3')).join('\n')}</section>` : '',
    `<section aria-labelledby="past-h"><h2 id="past-h">Past incidents</h2>${
      recent.length ? recent.map((i) => pastItem(x, i)).join('\n') : '<p>No incidents reported.</p>'
    }<p><a href="${esc(x.path)}history">Full incident history</a></p></section>`,
  ].join('\n');
  return layout(x, `${x.config.name} status`, body);
}

function pastItem(x: PageContext, pi: PublicIncident): string {
  const i = pi.incident;
  const tz = x.config.timeZone;
  const duration = i.resolvedAt !== null ? ` · lasted ${formatDuration(i.resolvedAt - i.startedAt)}` : '';
  return `<article class="card ${esc(IMPACT_OF[i.severity])}"><h3><a href="${esc(x.path)}incidents/${encodeURIComponent(i.id)}">${esc(i.title)}</a></h3>
<p class="meta">${esc(STATUS_WORDS[i.status as keyof typeof STATUS_WORDS] ?? i.status)} · ${esc(formatTime(i.startedAt, tz))}${esc(duration)}${pi.postmortem ? ' · Post-mortem published' : ''}</p></article>`;
}

export function historyPage(x: PageContext, pageNo: number): string {
  const all = x.view.incidents;
  const pages = Math.max(1, Math.ceil(all.length / HISTORY_PAGE));
  const n = Math.min(Math.max(1, pageNo), pages);
  const slice = all.slice((n - 1) * HISTORY_PAGE, n * HISTORY_PAGE);
  const done = x.view.maintenances.filter((m) => m.status === 'completed').slice(0, 10);
  const pager = `<nav class="pager" aria-label="History pages">${n > 1 ? `<a href="${esc(x.path)}history?page=${n - 1}" rel="prev">Newer incidents</a>` : '<span></span>'}<span>Page ${n} of ${pages}</span>${
    n < pages ? `<a href="${esc(x.path)}history?page=${n + 1}" rel="next">Older incidents</a>` : '<span></span>'
  }</nav>`;
  const body = `<h1>Incident history</h1>
${slice.length ? slice.map((i) => pastItem(x, i)).join('\n') : '<p>No incidents reported.</p>'}
${pager}
${done.length && n === 1 ? `<h2>Completed maintenance</h2>${done.map((m) => maintenanceCard(x, m, 'h3')).join('\n')}` : ''}`;
  return layout(x, `Incident history - ${x.config.name} status`, body);
}

export function incidentPage(x: PageContext, pi: PublicIncident): string {
  const i = pi.incident;
  const tz = x.config.timeZone;
  const updates = [...pi.updates].reverse();
  const body = `<article aria-labelledby="title-h">
<h1 id="title-h">${esc(i.title)}</h1>
<p class="meta">${esc(STATUS_WORDS[i.status as keyof typeof STATUS_WORDS] ?? i.status)} · ${esc(IMPACT_WORDS[IMPACT_OF[i.severity]])} impact${i.components.length ? ` · Affects ${esc(componentNames(x, i.components))}` : ''}</p>
<p class="meta">Started ${esc(formatTime(i.startedAt, tz))}${i.resolvedAt !== null && !['investigating', 'identified', 'monitoring'].includes(i.status) ? ` · Resolved ${esc(formatTime(i.resolvedAt, tz))} (${esc(formatDuration(i.resolvedAt - i.startedAt))})` : ''}</p>
${pi.postmortem ? `<section aria-labelledby="pm-h"><h2 id="pm-h">Post-mortem</h2><p class="meta">Published ${esc(formatTime(pi.postmortem.publishedAt, tz))}</p><div class="postmortem">${esc(pi.postmortem.body)}</div></section>` : ''}
<section aria-labelledby="updates-h"><h2 id="updates-h">Updates</h2>
<ol class="timeline">
${updates.map((u) => `<li><span class="st">${esc(STATUS_WORDS[u.status])}</span> - <time datetime="${new Date(u.at).toISOString()}">${esc(formatTime(u.at, tz))}</time><p class="body">${esc(u.body)}</p>${u.affected.length ? `<p class="meta">Components: ${u.affected.map((a) => `${esc(componentNames(x, [a.code]))} ${esc(componentWords(a.new_status).toLowerCase())}`).join(', ')}</p>` : ''}</li>`).join('\n')}
</ol></section>
<p><a href="${esc(x.path)}history">All incidents</a></p>
</article>`;
  return layout(x, `${i.title} - ${x.config.name} status`, body);
}

export function maintenancePage(x: PageContext, m: Maintenance): string {
  const tz = x.config.timeZone;
  const body = `<article aria-labelledby="title-h">
<h1 id="title-h">${esc(m.title)}</h1>
<p class="meta">${esc(MAINTENANCE_WORDS[m.status] ?? m.status)} · Scheduled ${esc(formatTime(m.scheduledFor, tz))} to ${esc(formatTime(m.scheduledUntil, tz))} · Affects ${esc(componentNames(x, m.components))}</p>
<section aria-labelledby="updates-h"><h2 id="updates-h">Updates</h2><ol class="timeline">
${[...m.updates].reverse().map((u) => `<li><span class="st">${esc(MAINTENANCE_WORDS[u.status] ?? u.status)}</span> - <time datetime="${new Date(u.at).toISOString()}">${esc(formatTime(u.at, tz))}</time><p class="body">${esc(u.body)}</p></li>`).join('\n')}
</ol></section>
</article>`;
  return layout(x, `${m.title} - ${x.config.name} status`, body);
}

export function subscribePage(x: PageContext, result?: { ok: boolean; message: string }): string {
  const options = x.view.components.map((c) => `<option value="${esc(c.id)}">${esc(c.name)}</option>`).join('');
  const body = `<h1>Subscribe to updates</h1>
${result ? `<div class="${result.ok ? 'card' : 'stale'}" role="${result.ok ? 'status' : 'alert'}"><p>${esc(result.message)}</p></div>` : ''}
${
  x.canSubscribe
    ? `<form class="subscribe" method="post" action="${esc(x.path)}subscribe">
<fieldset><legend>How to reach you</legend>
<p class="choice"><input type="radio" id="kind-email" name="kind" value="email" checked> <label for="kind-email">Email</label></p>
<p class="choice"><input type="radio" id="kind-webhook" name="kind" value="webhook"> <label for="kind-webhook">Webhook (HTTPS URL)</label></p>
</fieldset>
<p><label for="address">Email address or webhook URL</label><input id="address" name="address" type="text" required maxlength="500" autocomplete="email"></p>
${options ? `<p><label for="components">Components (none selected: all)</label><select id="components" name="components" multiple size="${Math.min(6, x.view.components.length)}">${options}</select></p>` : ''}
<button type="submit">Subscribe</button>
</form>`
    : '<p>Subscriptions are not available on this page.</p>'
}`;
  return layout(x, `Subscribe - ${x.config.name} status`, body, { live: false });
}

export function notFoundPage(x: PageContext, what: string): string {
  return layout(x, `Not found - ${x.config.name} status`, `<h1>Not found</h1><p>${esc(what)}</p><p><a href="${esc(x.path)}">Current status</a></p>`, { live: false });
}
