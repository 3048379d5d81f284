/**
 * The page in a real Chromium (Debian's /usr/bin/chromium through playwright-core): it renders every
 * state with no console errors, an incident update appears without a reload (server-sent events),
 * the keyboard reaches everything with a visible focus, text has enough contrast, and it fits a phone.
 * A screenshot of each state goes to test-artifacts/status-page/.
 */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';
import { startStatusNode, states, writeHistory, type StatusNode } from './scenario.js';

const ARTIFACTS = join('test-artifacts', 'status-page');

/** A page that records console errors and uncaught exceptions. */
async function openPage(browser: Browser, viewport = { width: 1100, height: 900 }) {
  const page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(e.message));
  return { page, errors };
}

function luminance(rgb: string): number {
  const [r, g, b] = (rgb.match(/\d+(\.\d+)?/g) ?? []).slice(0, 3).map(Number).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
const contrast = (a: string, b: string) => {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
  return (x + 0.05) / (y + 0.05);
};

/** Text colour against the nearest opaque background, for every element matching `selector`. */
async function contrasts(page: Page, selector: string): Promise<{ text: string; ratio: number }[]> {
  const pairs = await page.$$eval(selector, (els) =>
    els.map((el) => {
      let bg = 'rgb(255, 255, 255)';
      for (let e: Element | null = el; e; e = e.parentElement) {
        const c = getComputedStyle(e).backgroundColor;
        if (c && c !== 'transparent' && !c.startsWith('rgba(0, 0, 0, 0')) {
          bg = c;
          break;
        }
      }
      return { text: (el.textContent ?? '').trim().slice(0, 40), fg: getComputedStyle(el).color, bg };
    }),
  );
  return pairs.map((p) => ({ text: p.text, ratio: contrast(p.fg, p.bg) }));
}

describe('status page in Chromium', () => {
  let n: StatusNode;
  let browser: Browser;
  before(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    n = await startStatusNode({ logo: undefined });
    await writeHistory(n);
    n.page.setSubscribe(async () => ({ id: 'sub-1', status: 'pending' }));
  });
  after(async () => {
    await browser?.close();
    await n?.close();
  });

  it('renders every state without console errors, with readable contrast; a screenshot per state', async () => {
    const { page, errors } = await openPage(browser);
    let i = 0;
    for (const state of states(n)) {
      await state.apply();
      await n.page.refresh();
      // A new URL each time: a plain reload within max-age would be (rightly) served from the browser's cache.
      await page.goto(`${n.base}/?state=${state.name}`, { waitUntil: 'load' });
      const text = await page.locator('main').innerText();
      for (const re of state.shows) assert.match(text, re, `${state.name}: shows ${re}`);
      assert.match(await page.locator('h1').innerText(), state.description);
      for (const [id, status] of Object.entries(state.components)) {
        const shown = await page.locator(`#c-${id} .status`).first().innerText();
        assert.equal(shown.toLowerCase().replace(/ /g, '_'), status, `${state.name}: ${id}`);
      }
      for (const c of await contrasts(page, 'h1, .status, .meta, .legend, a, p')) {
        assert.ok(c.ratio >= 4.5, `${state.name}: "${c.text}" has contrast ${c.ratio.toFixed(2)} (< 4.5:1)`);
      }
      await page.screenshot({ path: join(ARTIFACTS, `${String(++i).padStart(2, '0')}-${state.name}.png`), fullPage: true });
    }
    const ids = (await n.node.control.incidents.list()).map((x) => x.id);
    for (const [name, path] of [['history', '/history'], ['incident', `/incidents/${ids[0]}`], ['subscribe', '/subscribe']]) {
      await page.goto(`${n.base}${path}`, { waitUntil: 'load' });
      await page.screenshot({ path: join(ARTIFACTS, `page-${name}.png`), fullPage: true });
    }
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('shows a new incident update without a reload', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${n.base}/`, { waitUntil: 'load' });
    await page.getByText('Live: this page updates by itself.').waitFor({ timeout: 10_000 });
    await page.evaluate(() => ((window as unknown as { notReloaded: boolean }).notReloaded = true));
    const responder = { id: 'token:responder', role: 'responder' as const };
    const inc = await n.node.control.incidents.declare({ title: 'Elevated error rate on the gateway', severity: 'P2', components: ['gateway'] }, responder);
    const started = Date.now();
    await page.getByRole('link', { name: 'Elevated error rate on the gateway' }).waitFor({ timeout: 10_000 });
    await n.node.control.incidents.update(inc.id, { status: 'identified', message: 'A misbehaving client is being rate limited.', external: true }, responder);
    await page.getByText('A misbehaving client is being rate limited.').waitFor({ timeout: 10_000 });
    const seconds = (Date.now() - started) / 1000;
    assert.ok(seconds < 10, `updates reached the page within seconds (${seconds}s)`);
    assert.equal(await page.evaluate(() => (window as unknown as { notReloaded?: boolean }).notReloaded), true, 'the page was not reloaded');
    assert.match(await page.locator('#c-gateway .status').innerText(), /Degraded performance/);
    await page.screenshot({ path: join(ARTIFACTS, 'live-update.png'), fullPage: true });
    await n.node.control.incidents.resolve(inc.id, 'Rate limit in place.', responder);
    await page.getByRole('heading', { name: /Partial System Outage|All Systems Operational/ }).waitFor({ timeout: 10_000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('works from the keyboard: skip link, every link reachable, visible focus, Enter follows', async () => {
    const { page, errors } = await openPage(browser);
    await page.goto(`${n.base}/`, { waitUntil: 'load' });
    await page.keyboard.press('Tab');
    assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Skip to content');
    assert.notEqual(await page.evaluate(() => getComputedStyle(document.activeElement!).left), '-999px', 'the skip link shows when focused');
    await page.keyboard.press('Enter');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'main');
    const links = await page.$$eval('main a[href]', (as) => as.map((a) => a.getAttribute('href')));
    const reached = new Set<string>();
    for (let k = 0; k < 200 && reached.size < new Set(links).size; k++) {
      await page.keyboard.press('Tab');
      const focus = await page.evaluate(() => {
        const el = document.activeElement as HTMLElement;
        const s = getComputedStyle(el);
        return { href: el.getAttribute('href'), inMain: !!el.closest('main'), outline: s.outlineStyle, width: s.outlineWidth };
      });
      if (!focus.inMain || !focus.href) continue;
      reached.add(focus.href);
      assert.notEqual(focus.outline, 'none', `focus is visible on ${focus.href}`);
    }
    assert.deepEqual([...reached].sort(), [...new Set(links)].sort() as string[]);
    // Back to the first incident link, then Enter follows it.
    await page.goto(`${n.base}/history`, { waitUntil: 'load' });
    const target = await page.locator('main article a').first().getAttribute('href');
    await page.locator('main article a').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(`**${target}`);
    assert.match(await page.locator('h1').innerText(), /./);
    await page.goto(`${n.base}/subscribe`, { waitUntil: 'load' });
    await page.locator('#kind-email').focus();
    await page.keyboard.press('Tab');
    await page.keyboard.type('keyboard@example.test');
    await page.keyboard.press('Enter');
    await page.getByText('confirmation link to keyboard@example.test').waitFor({ timeout: 5000 });
    assert.deepEqual(errors, []);
    await page.close();
  });

  it('fits a phone screen', async () => {
    const { page, errors } = await openPage(browser, { width: 375, height: 800 });
    await page.goto(`${n.base}/`, { waitUntil: 'load' });
    const widths = await page.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `no horizontal scrolling (${widths.scroll} > ${widths.client})`);
    await page.screenshot({ path: join(ARTIFACTS, 'phone.png'), fullPage: true });
    assert.deepEqual(errors, []);
    await page.close();
  });
});
