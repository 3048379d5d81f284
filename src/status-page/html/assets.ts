/**
 * The page's stylesheet (colours from the configuration) and its one script: live updates over
 * server-sent events. The page is complete without the script; with it, a changed status replaces the
 * live region in place (no reload), keeping keyboard focus where it was.
 */
import type { StatusPageConfig } from '../config.js';

export function stylesheet(c: StatusPageConfig): string {
  const k = c.colours;
  return `:root{--brand:${k.brand};--ok:${k.operational};--degraded:${k.degraded};--partial:${k.partial};--major:${k.major};--maint:${k.maintenance};--ink:#1b1f24;--muted:#4f5660;--line:#d7dbe0;--bg:#fff;--soft:#f4f6f8;--none:#c5cad1}
*{box-sizing:border-box}
html{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--ink);background:var(--bg);line-height:1.5}
body{margin:0}
a{color:var(--brand)}
a:focus-visible,button:focus-visible,input:focus-visible,select:focus-visible,summary:focus-visible{outline:3px solid var(--brand);outline-offset:2px}
.skip{position:absolute;left:-999px;top:0;background:var(--bg);padding:.5rem 1rem;z-index:10}
.skip:focus{left:1rem}
.wrap{max-width:52rem;margin:0 auto;padding:0 1rem}
header.site{border-bottom:1px solid var(--line);background:var(--soft)}
header.site .wrap{display:flex;flex-wrap:wrap;align-items:center;justify-content:space-between;gap:.5rem;padding-top:.75rem;padding-bottom:.75rem}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:700;font-size:1.25rem;color:var(--ink);text-decoration:none}
.brand img{height:2rem;width:auto}
nav ul{list-style:none;margin:0;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
main{padding:1rem 0 2rem}
h1{font-size:1.5rem;margin:0}
h2{font-size:1.2rem;margin:2rem 0 .75rem}
h3{font-size:1.05rem;margin:0}
.overall{border-radius:.5rem;padding:1rem 1.25rem;color:#fff;background:var(--ok)}
.overall p{margin:.25rem 0 0}
.overall.minor{background:var(--degraded)}.overall.major{background:var(--partial)}.overall.critical{background:var(--major)}.overall.maint{background:var(--maint)}
.stale{border:2px solid var(--partial);background:#fff4ec;border-radius:.5rem;padding:.75rem 1rem;margin-bottom:1rem}
.live-state{font-size:.85rem;color:var(--muted)}
.card{border:1px solid var(--line);border-radius:.5rem;padding:1rem;margin-bottom:1rem}
.card.major,.card.critical{border-left:6px solid var(--major)}.card.minor{border-left:6px solid var(--degraded)}.card.maint{border-left:6px solid var(--maint)}
.meta{color:var(--muted);font-size:.9rem;margin:.25rem 0}
ol.timeline{list-style:none;margin:.75rem 0 0;padding:0}
ol.timeline li{border-top:1px solid var(--line);padding:.5rem 0}
ol.timeline .st{font-weight:700}
ul.components{list-style:none;margin:0;padding:0;border:1px solid var(--line);border-radius:.5rem}
ul.components>li{padding:.75rem 1rem;border-top:1px solid var(--line)}
ul.components>li:first-child{border-top:0}
ul.members{list-style:none;margin:.5rem 0 0;padding:0 0 0 1rem;border-left:3px solid var(--line)}
ul.members>li{padding:.5rem 0}
.row{display:flex;flex-wrap:wrap;justify-content:space-between;gap:.25rem 1rem;align-items:baseline}
.name{font-weight:600}
.status{font-weight:600}
.status.ok{color:var(--ok)}.status.degraded{color:var(--degraded)}.status.partial{color:var(--partial)}.status.major{color:var(--major)}.status.maint{color:var(--maint)}
.bars{display:block;width:100%;height:2rem;margin:.5rem 0 .25rem}
.bars path{stroke-width:10;stroke-dasharray:.8 .2;stroke:var(--ok);fill:none}
.bars path.nodata{stroke:var(--none)}.bars path.degraded{stroke:var(--degraded)}.bars path.partial{stroke:var(--partial)}.bars path.major{stroke:var(--major)}.bars path.maint{stroke:var(--maint)}
.legend{display:flex;justify-content:space-between;color:var(--muted);font-size:.8rem}
@media (max-width:30rem){.legend span:nth-child(2){display:none}}
.override{font-size:.85rem;color:var(--muted)}
.postmortem{background:var(--soft);border-radius:.5rem;padding:1rem;white-space:pre-wrap}
.body{white-space:pre-wrap;margin:.25rem 0 0}
form.subscribe{display:grid;gap:.75rem;max-width:28rem}
form.subscribe label{font-weight:600;display:block}
form.subscribe input,form.subscribe select{font:inherit;padding:.5rem;border:1px solid var(--muted);border-radius:.25rem;width:100%}
form.subscribe button{font:inherit;font-weight:600;padding:.6rem 1rem;border:0;border-radius:.25rem;background:var(--brand);color:#fff;cursor:pointer;justify-self:start}
fieldset{border:1px solid var(--line);border-radius:.25rem}
form.subscribe .choice label{display:inline;font-weight:400}
form.subscribe .choice input{width:auto}
.pager{display:flex;justify-content:space-between;margin-top:1rem}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:.9rem;padding:1rem 0 2rem}
footer ul{list-style:none;margin:0 0 .5rem;padding:0;display:flex;flex-wrap:wrap;gap:1rem}
`;
}

export const SCRIPT = `(function () {
  'use strict';
  var root = document.getElementById('live');
  var html = document.documentElement;
  var state = document.getElementById('live-state');
  if (!root || !window.EventSource || !window.fetch || !window.DOMParser) return;
  var version = html.getAttribute('data-version');
  var busy = false, again = false;
  function say(text) { if (state) state.textContent = text; }
  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(location.href, { headers: { accept: 'text/html' }, cache: 'no-store' })
      .then(function (r) { return r.text(); })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var next = doc.getElementById('live');
        if (!next) return;
        var focused = document.activeElement && root.contains(document.activeElement) ? document.activeElement.getAttribute('href') || document.activeElement.id : null;
        root.replaceChildren.apply(root, Array.prototype.slice.call(next.childNodes));
        html.setAttribute('data-version', doc.documentElement.getAttribute('data-version') || version);
        if (focused) {
          var target = root.querySelector('[href="' + focused.replace(/"/g, '') + '"]') || document.getElementById(focused);
          if (target) target.focus();
        }
      })
      .catch(function () { say('Live updates interrupted; retrying.'); })
      .then(function () { busy = false; if (again) { again = false; refresh(); } });
  }
  var es = new EventSource(html.getAttribute('data-events'));
  es.addEventListener('version', function (e) {
    say('Live: this page updates by itself.');
    if (e.data !== version) { version = e.data; refresh(); }
  });
  es.onerror = function () { say('Live updates interrupted; retrying.'); };
})();
`;
