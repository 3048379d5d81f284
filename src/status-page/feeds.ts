/** RSS 2.0 and Atom feeds of the page's incidents, newest first, each with its public updates. */
import { esc } from './html/escape.js';
import type { PublicIncident } from './projection.js';
import { STATUS_WORDS } from './html/format.js';
import type { JsonContext } from './statuspage-json.js';

const MAX_ITEMS = 25;

function updatesHtml(pi: PublicIncident): string {
  return [...pi.updates]
    .reverse()
    .map((u) => `<p><small>${esc(new Date(u.at).toISOString())}</small><br><strong>${esc(STATUS_WORDS[u.status])}</strong> - ${esc(u.body)}</p>`)
    .join('');
}

const link = (x: JsonContext, pi: PublicIncident) => `${x.base}incidents/${encodeURIComponent(pi.incident.id)}`;

export function rss(x: JsonContext): string {
  const items = x.view.incidents.slice(0, MAX_ITEMS).map(
    (pi) => `<item>
<title>${esc(pi.incident.title)}</title>
<link>${esc(link(x, pi))}</link>
<guid isPermaLink="true">${esc(link(x, pi))}</guid>
<pubDate>${new Date(pi.incident.detectedAt).toUTCString()}</pubDate>
<description>${esc(updatesHtml(pi))}</description>
</item>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom">
<channel>
<title>${esc(x.config.name)} status - incident history</title>
<link>${esc(x.base)}</link>
<atom:link href="${esc(x.base)}history.rss" rel="self" type="application/rss+xml"/>
<description>${esc(x.config.name)} status: incidents and their updates</description>
<lastBuildDate>${new Date(x.view.updatedAt).toUTCString()}</lastBuildDate>
${items.join('\n')}
</channel>
</rss>
`;
}

export function atom(x: JsonContext): string {
  const entries = x.view.incidents.slice(0, MAX_ITEMS).map(
    (pi) => `<entry>
<id>${esc(link(x, pi))}</id>
<title>${esc(pi.incident.title)}</title>
<link rel="alternate" type="text/html" href="${esc(link(x, pi))}"/>
<published>${new Date(pi.incident.detectedAt).toISOString()}</published>
<updated>${new Date(pi.incident.updatedAt).toISOString()}</updated>
<content type="html">${esc(updatesHtml(pi))}</content>
</entry>`,
  );
  return `<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
<id>${esc(x.base)}history.atom</id>
<title>${esc(x.config.name)} status - incident history</title>
<link rel="alternate" type="text/html" href="${esc(x.base)}"/>
<link rel="self" type="application/atom+xml" href="${esc(x.base)}history.atom"/>
<updated>${new Date(x.view.updatedAt).toISOString()}</updated>
<author><name>${esc(x.config.name)}</name></author>
${entries.join('\n')}
</feed>
`;
}
