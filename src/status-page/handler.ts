/**
 * The status page's HTTP surface under its base path: the page, history, permalinks, the Statuspage v2
 * JSON, feeds, badges, the live event stream and the subscription form. Read-only except the form's
 * POST. Every answer is rendered once per change of what the node knows (and at most once a minute for
 * the clock's sake), cached with an ETag, and served from that cache: a busy page costs no store reads,
 * and when the store stops answering the page goes on with what it last knew, marked stale.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../core/clock.js';
import { BodyTooLarge, readBody } from '../runtime/http/body.js';
import { badgeSvg, shieldsJson } from './badges.js';
import type { StatusPageConfig } from './config.js';
import { atom, rss } from './feeds.js';
import { SCRIPT, stylesheet } from './html/assets.js';
import { historyPage, incidentPage, indexPage, maintenancePage, notFoundPage, subscribePage, type PageContext } from './html/pages.js';
import type { LiveHub } from './live.js';
import type { StatusProjection } from './projection.js';
import { STATUSPAGE_DOCUMENTS, type JsonContext } from './statuspage-json.js';
import { buildView, type StatusView } from './view.js';

export interface SubscribeRequest {
  kind: 'email' | 'webhook';
  address: string;
  /** Component ids; absent: every component. */
  components?: string[];
}
/** Hands a subscriber to communications (src/communications SubscriberService.subscribe). */
export type SubscribeFn = (req: SubscribeRequest) => Promise<{ id: string; status: string }>;

export interface HandlerDeps {
  config: StatusPageConfig;
  projection: StatusProjection;
  hub: LiveHub;
  clock: Clock;
  subscribe: () => SubscribeFn | undefined;
  onSubscribeError?: (err: Error) => void;
}

interface Rendered {
  key: string;
  status: number;
  type: string;
  etag: string;
  body: Buffer;
  /** The body gzipped, made on first demand and kept with it. */
  gzipped?: Buffer;
}

const HTML = 'text/html; charset=utf-8';
const JSON_TYPE = 'application/json; charset=utf-8';
const CSP = "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self' https: data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const MAX_CACHED = 500;
/** Smaller bodies go out as they are: compressing them saves less than it costs. */
const GZIP_OVER = 1024;
const EMAIL = /^[^\s@<>"']{1,64}@[^\s@<>"']{1,255}\.[^\s@<>"']{2,}$/;

export function createStatusPageHandler(d: HandlerDeps): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const c = d.config;
  const base = c.path;
  const cache = new Map<string, Rendered>();
  let viewKey = '';
  let view: StatusView | null = null;
  const css = fixed('text/css; charset=utf-8', stylesheet(c));
  const js = fixed('text/javascript; charset=utf-8', SCRIPT);

  function currentView(): { view: StatusView; key: string } {
    const now = d.clock.now();
    const key = `${d.projection.version}.${Math.floor(now / 60_000)}`;
    if (!view || key !== viewKey) {
      view = buildView(d.projection, c, now, String(d.projection.version));
      viewKey = key;
    }
    return { view, key };
  }

  function rendered(name: string, type: string, render: (v: StatusView) => string | { status: number; body: string }): Rendered {
    const { view: v, key } = currentView();
    const hit = cache.get(name);
    if (hit && hit.key === key) return hit;
    const out = render(v);
    const { status, body } = typeof out === 'string' ? { status: 200, body: out } : out;
    const buf = Buffer.from(body, 'utf8');
    const r: Rendered = { key, status, type, etag: `"${createHash('sha1').update(buf).digest('base64url').slice(0, 22)}"`, body: buf };
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(name, r);
    return r;
  }

  function send(req: IncomingMessage, res: ServerResponse, r: Rendered, maxAge = Math.round(c.maxAge / 1000)): void {
    const stale = d.projection.stale;
    const headers: Record<string, string | number> = {
      'content-type': r.type,
      etag: r.etag,
      'cache-control': `public, max-age=${maxAge}, stale-while-revalidate=30, stale-if-error=86400`,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'strict-origin-when-cross-origin',
      'x-status-stale': stale ? 'true' : 'false',
    };
    if (d.projection.asOf !== null) headers['x-status-as-of'] = new Date(stale ? d.projection.asOf : d.clock.now()).toISOString();
    if (r.type === HTML) headers['content-security-policy'] = CSP;
    if (r.type === JSON_TYPE) headers['access-control-allow-origin'] = '*';
    let body = r.body;
    if (r.body.length > GZIP_OVER) {
      headers.vary = 'accept-encoding';
      if (/\bgzip\b/.test(req.headers['accept-encoding'] ?? '')) {
        body = r.gzipped ??= gzipSync(r.body);
        headers['content-encoding'] = 'gzip';
        headers.etag = `${r.etag.slice(0, -1)}-gz"`;
      }
    }
    if (r.status === 200 && req.headers['if-none-match'] === headers.etag) {
      res.writeHead(304, headers);
      res.end();
      return;
    }
    headers['content-length'] = body.length;
    res.writeHead(r.status, headers);
    res.end(req.method === 'HEAD' ? undefined : body);
  }

  function baseUrl(req: IncomingMessage): string {
    if (c.url) return c.url.endsWith('/') ? c.url : `${c.url}/`;
    const proto = req.headers['x-forwarded-proto'] === 'https' ? 'https' : 'http';
    const host = /^[A-Za-z0-9.[\]:-]{1,255}$/.test(req.headers.host ?? '') ? req.headers.host : 'localhost';
    return `${proto}://${host}${base}`;
  }

  const pageCtx = (v: StatusView): PageContext => ({ view: v, config: c, path: base, canSubscribe: d.subscribe() !== undefined });
  const jsonCtx = (v: StatusView, req: IncomingMessage): JsonContext => ({ view: v, config: c, base: baseUrl(req) });

  function notAllowed(res: ServerResponse, allow: string): true {
    res.writeHead(405, { allow, 'content-type': 'text/plain; charset=utf-8' });
    res.end(`use ${allow}\n`);
    return true;
  }

  async function subscribe(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const answer = (status: number, ok: boolean, message: string) => {
      const body = subscribePage(pageCtx(currentView().view), { ok, message });
      res.writeHead(status, { 'content-type': HTML, 'cache-control': 'no-store', 'content-security-policy': CSP, 'x-content-type-options': 'nosniff' });
      res.end(body);
    };
    const fn = d.subscribe();
    if (!fn) return answer(503, false, 'Subscriptions are not available on this page.');
    if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return answer(415, false, 'Send the form as application/x-www-form-urlencoded.');
    }
    let form: URLSearchParams;
    try {
      form = new URLSearchParams((await readBody(req, 8192)).toString('utf8'));
    } catch (err) {
      if (err instanceof BodyTooLarge) return answer(413, false, 'The form is too large.');
      throw err;
    }
    const kind = form.get('kind');
    const address = (form.get('address') ?? '').trim();
    const known = new Set(currentView().view.components.map((x) => x.id));
    const components = form.getAll('components').filter((x) => x !== '');
    if (kind !== 'email' && kind !== 'webhook') return answer(400, false, 'Choose email or webhook.');
    if (kind === 'email' && !EMAIL.test(address)) return answer(400, false, 'That does not look like an email address.');
    if (kind === 'webhook') {
      const u = URL.canParse(address) ? new URL(address) : null;
      if (!u || (u.protocol !== 'https:' && u.protocol !== 'http:') || address.length > 500) return answer(400, false, 'Give the webhook as an http(s) URL.');
    }
    const unknown = components.filter((x) => !known.has(x));
    if (unknown.length) return answer(400, false, `Unknown components: ${unknown.join(', ')}.`);
    try {
      const r = await fn({ kind, address, ...(components.length ? { components } : {}) });
      const pending = r.status !== 'active' && r.status !== 'confirmed';
      return answer(
        kind === 'email' && pending ? 202 : 201,
        true,
        kind === 'email' && pending ? `Almost done: we sent a confirmation link to ${address}.` : `Subscribed ${address}.`,
      );
    } catch (err) {
      d.onSubscribeError?.(err as Error);
      const status = (err as { status?: number }).status;
      if (typeof status === 'number' && status >= 400 && status < 500) return answer(status, false, (err as Error).message);
      return answer(503, false, 'We could not record your subscription just now; please try again in a minute.');
    }
  }

  return async function handle(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    if (!path.startsWith(base)) {
      if (base !== '/' && path === base.slice(0, -1)) {
        res.writeHead(301, { location: base });
        res.end();
        return true;
      }
      return false;
    }
    let rel: string;
    try {
      rel = decodeURIComponent(path.slice(base.length));
    } catch {
      return false;
    }
    const method = req.method ?? 'GET';
    const read = method === 'GET' || method === 'HEAD';
    if (rel === 'subscribe') {
      if (method === 'POST') {
        await subscribe(req, res);
        return true;
      }
      if (!read) return notAllowed(res, 'GET, HEAD, POST');
      send(req, res, rendered('subscribe', HTML, (v) => subscribePage(pageCtx(v))), 0);
      return true;
    }
    const route = match(rel);
    if (!route) return false;
    if (!read) return notAllowed(res, 'GET, HEAD');
    switch (route.kind) {
      case 'index':
        send(req, res, rendered('index', HTML, (v) => indexPage(pageCtx(v))));
        return true;
      case 'history': {
        const n = Math.min(1000, Math.max(1, Number.parseInt(new URLSearchParams(q < 0 ? '' : url.slice(q + 1)).get('page') ?? '1', 10) || 1));
        send(req, res, rendered(`history:${n}`, HTML, (v) => historyPage(pageCtx(v), n)));
        return true;
      }
      case 'incident':
        send(req, res, rendered(`incident:${route.id}`, HTML, (v) => {
          const pi = v.incidents.find((i) => i.incident.id === route.id);
          return pi ? incidentPage(pageCtx(v), pi) : { status: 404, body: notFoundPage(pageCtx(v), `There is no incident ${route.id} on this page.`) };
        }));
        return true;
      case 'maintenance':
        send(req, res, rendered(`maintenance:${route.id}`, HTML, (v) => {
          const m = v.maintenances.find((x) => x.id === route.id);
          return m ? maintenancePage(pageCtx(v), m) : { status: 404, body: notFoundPage(pageCtx(v), `There is no maintenance ${route.id} on this page.`) };
        }));
        return true;
      case 'api': {
        const doc = STATUSPAGE_DOCUMENTS[route.doc];
        const b = baseUrl(req);
        send(req, res, rendered(`api:${route.doc}:${b}`, JSON_TYPE, (v) => JSON.stringify(doc(jsonCtx(v, req)))));
        return true;
      }
      case 'rss':
        send(req, res, rendered(`rss:${baseUrl(req)}`, 'application/rss+xml; charset=utf-8', (v) => rss(jsonCtx(v, req))));
        return true;
      case 'atom':
        send(req, res, rendered(`atom:${baseUrl(req)}`, 'application/atom+xml; charset=utf-8', (v) => atom(jsonCtx(v, req))));
        return true;
      case 'badge': {
        const json = route.ext === 'json';
        send(req, res, rendered(`badge:${route.id}.${route.ext}`, json ? JSON_TYPE : 'image/svg+xml; charset=utf-8', (v) => {
          const comp = v.components.find((x) => x.id === route.id) ?? v.groups.find((g) => g.id === route.id);
          if (!comp) return { status: 404, body: json ? JSON.stringify({ error: `no component ${route.id}` }) : badgeSvg(c, route.id, 'operational', false).replace('operational', 'unknown') };
          return json ? JSON.stringify(shieldsJson(c, comp.name, comp.status, v.stale)) : badgeSvg(c, comp.name, comp.status, v.stale);
        }));
        return true;
      }
      case 'css':
        send(req, res, css, 3600);
        return true;
      case 'js':
        send(req, res, js, 3600);
        return true;
      case 'events':
        d.hub.serve(req, res);
        return true;
    }
  };
}

type Match =
  | { kind: 'index' | 'history' | 'rss' | 'atom' | 'css' | 'js' | 'events' }
  | { kind: 'incident' | 'maintenance'; id: string }
  | { kind: 'api'; doc: string }
  | { kind: 'badge'; id: string; ext: 'svg' | 'json' };

const SIMPLE: Record<string, Match> = {
  '': { kind: 'index' },
  history: { kind: 'history' },
  'history.rss': { kind: 'rss' },
  'history.atom': { kind: 'atom' },
  'status.css': { kind: 'css' },
  'status.js': { kind: 'js' },
  events: { kind: 'events' },
};
const ID = /^[A-Za-z0-9._:-]{1,64}$/;

function match(rel: string): Match | null {
  const simple = SIMPLE[rel];
  if (simple) return simple;
  if (rel.startsWith('api/v2/')) {
    const doc = rel.slice(7);
    return Object.hasOwn(STATUSPAGE_DOCUMENTS, doc) ? { kind: 'api', doc } : null;
  }
  let m = /^incidents\/([^/]+)$/.exec(rel);
  if (m && ID.test(m[1])) return { kind: 'incident', id: m[1] };
  m = /^maintenance\/([^/]+)$/.exec(rel);
  if (m && ID.test(m[1])) return { kind: 'maintenance', id: m[1] };
  m = /^badge\/([^/]+)\.(svg|json)$/.exec(rel);
  if (m && ID.test(m[1])) return { kind: 'badge', id: m[1], ext: m[2] as 'svg' | 'json' };
  return null;
}

function fixed(type: string, text: string): Rendered {
  const body = Buffer.from(text, 'utf8');
  return { key: 'fixed', status: 200, type, etag: `"${createHash('sha1').update(body).digest('base64url').slice(0, 22)}"`, body };
}
