import { expect, test, type Browser, type Page } from '@playwright/test';
import { writeFileSync } from 'node:fs';

// Page speed in a real browser, as a person on a slow laptop meets it: each main page
// loaded cold (a new browser context: no cache, no connection) RUNS times on a CPU
// slowed four times (Chrome's own throttling, as Lighthouse's mobile profile does),
// and the three interactions people do all day. Figures come from the browser's
// performance entries; bench/page_speed.py writes them into bench/RESULTS.md.
//
// Environment (set by bench/page_speed.py): PAGE_SPEED_BASE, PAGE_SPEED_PAGES (JSON:
// [{name, path, who}]), PAGE_SPEED_COOKIES (JSON: {who: "name=value"}), PAGE_SPEED_OUT.

const RUNS = Number(process.env.PAGE_SPEED_RUNS ?? 5);
const THROTTLE = Number(process.env.PAGE_SPEED_THROTTLE ?? 4);
const pages: { name: string; path: string; who: string }[] = JSON.parse(process.env.PAGE_SPEED_PAGES ?? '[]');
const cookies: Record<string, string> = JSON.parse(process.env.PAGE_SPEED_COOKIES ?? '{}');
const base = process.env.PAGE_SPEED_BASE ?? '';

type Load = { ttfb: number; fcp: number; lcp: number; cls: number; tbt: number; hydrated: number; bytes: number };
type Interaction = { name: string; page: string; nextPaint: number[]; done: number[] };

// Installed before any page script: what the performance observers see from the
// first byte, and the moment the app marks itself hydrated.
function observe() {
  const w = window as unknown as { __speed: { lcp: number; cls: number; long: [number, number][]; hydrated: number; events: [string, number, number][] } };
  w.__speed = { lcp: 0, cls: 0, long: [], hydrated: 0, events: [] };
  const s = w.__speed;
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) s.lcp = (e as PerformanceEntry & { renderTime: number }).renderTime || e.startTime;
  }).observe({ type: 'largest-contentful-paint', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { value: number; hadRecentInput: boolean })[]) {
      if (!e.hadRecentInput) s.cls += e.value;
    }
  }).observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) s.long.push([e.startTime, e.duration]);
  }).observe({ type: 'longtask', buffered: true });
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { interactionId: number })[]) {
      if (e.interactionId) s.events.push([e.name, e.startTime, e.duration]);
    }
  }).observe({ type: 'event', buffered: true, durationThreshold: 16 } as PerformanceObserverInit);
  // On the document: at this point <html> may not exist yet.
  new MutationObserver(() => {
    if (!s.hydrated && document.documentElement?.hasAttribute('data-hydrated')) s.hydrated = performance.now();
  }).observe(document, { attributes: true, subtree: true, attributeFilter: ['data-hydrated'] });
}

async function open(browser: Browser, who: string): Promise<Page> {
  const context = await browser.newContext();
  if (cookies[who]) {
    const [name, value] = cookies[who].split(/=(.*)/s);
    await context.addCookies([{ name, value, url: base }]);
  }
  const page = await context.newPage();
  await page.addInitScript(observe);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: THROTTLE });
  return page;
}

async function load(page: Page, path: string): Promise<Load> {
  let bytes = 0;
  page.on('response', async (response) => {
    const length = Number((await response.allHeaders())['content-length'] ?? 0);
    bytes += length;
  });
  const response = await page.goto(path, { waitUntil: 'load' });
  expect(response?.status(), path).toBe(200);
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true', { timeout: 60_000 });
  // Quiet for a moment, so late shifts and long tasks are counted.
  await page.waitForTimeout(1500);
  return page.evaluate((b) => {
    const w = window as unknown as { __speed: { lcp: number; cls: number; long: [number, number][]; hydrated: number } };
    const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
    const fcp = performance.getEntriesByName('first-contentful-paint')[0]?.startTime ?? 0;
    const tbt = w.__speed.long.filter(([start]) => start >= fcp).reduce((sum, [, d]) => sum + Math.max(0, d - 50), 0);
    return { ttfb: nav.responseStart, fcp, lcp: w.__speed.lcp, cls: w.__speed.cls, tbt, hydrated: w.__speed.hydrated, bytes: b };
  }, bytes);
}

/** Time from an action to the next paint (Event Timing), and to its visible result. */
async function timed(page: Page, act: () => Promise<void>, done: () => Promise<void>) {
  const before = await page.evaluate(() => (window as unknown as { __speed: { events: unknown[] } }).__speed.events.length);
  const start = await page.evaluate(() => performance.now());
  await act();
  await done();
  const end = await page.evaluate(() => performance.now());
  await page.waitForTimeout(300);
  const events: [string, number, number][] = await page.evaluate(
    (n) => (window as unknown as { __speed: { events: [string, number, number][] } }).__speed.events.slice(n),
    before,
  );
  const nextPaint = events.reduce((max, [, , d]) => Math.max(max, d), 0);
  return { nextPaint, done: end - start };
}

test('page loads and interactions', async ({ browser }) => {
  const loads: Record<string, Load[]> = {};
  for (const p of pages) {
    loads[p.name] = [];
    for (let i = 0; i < RUNS; i++) {
      const page = await open(browser, p.who);
      loads[p.name].push(await load(page, p.path));
      await page.context().close();
    }
  }

  const interactions: Interaction[] = [];
  const work = pages.find((p) => p.name === 'my work');
  const aCase = pages.find((p) => p.name === 'a case');
  if (work) {
    const filter: Interaction = { name: 'filter change (tick a status)', page: work.path, nextPaint: [], done: [] };
    const select: Interaction = { name: 'bulk select (tick a row)', page: work.path, nextPaint: [], done: [] };
    const page = await open(browser, work.who);
    await load(page, work.path);
    for (let i = 0; i < RUNS; i++) {
      const box = page.locator('input[name="status"][value="pending"]');
      const wanted = !(await box.isChecked());
      const t = await timed(
        page,
        () => box.click(),
        async () => {
          await page.getByRole('button', { name: /filter|apply/i }).first().click();
          await expect(page).toHaveURL(wanted ? /status=pending/ : /^(?!.*status=pending)/);
          await expect(page.getByTestId('match-count')).toBeVisible();
        },
      );
      filter.nextPaint.push(t.nextPaint);
      filter.done.push(t.done);
      const row = page.getByTestId('case-rows').locator('input[name="cases[]"]').nth(i);
      const s = await timed(
        page,
        () => row.click(),
        () => expect(page.getByTestId('apply-selected')).toBeEnabled(),
      );
      select.nextPaint.push(s.nextPaint);
      select.done.push(s.done);
    }
    interactions.push(filter, select);
    await page.context().close();
  }
  if (aCase) {
    const post: Interaction = { name: 'post a comment', page: aCase.path, nextPaint: [], done: [] };
    const page = await open(browser, aCase.who);
    await load(page, aCase.path);
    for (let i = 0; i < RUNS; i++) {
      const text = `Page-speed comment ${Date.now()}-${i}`;
      await page.getByLabel('Add a comment').fill(text);
      const t = await timed(
        page,
        () => page.getByTestId('post-comment').click(),
        () => expect(page.getByTestId('comment-body').filter({ hasText: text })).toBeVisible(),
      );
      post.nextPaint.push(t.nextPaint);
      post.done.push(t.done);
    }
    interactions.push(post);
    await page.context().close();
  }

  writeFileSync(process.env.PAGE_SPEED_OUT ?? 'page-speed.json', JSON.stringify({ runs: RUNS, throttle: THROTTLE, loads, interactions }, null, 2));
});
