import { expect, test, type Page } from '@playwright/test';
import { ANALYST, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

// Parts of a page are made and hydrated in tasks of their own once the rest is
// (app/src/components/later.rs): the header's search box, theme toggle and user menu,
// the shortcuts dialog, the case's thread, composer, activity, form and conflict
// dialog, the companies page's filters and table. Hydrating must take over the nodes
// the server wrote — not build a second copy, not drop them — and the page counts as
// hydrated only once every part is. A part that took a hydration id (a resource, a
// Suspense) would log an error: every test here asserts there is none.

/**
 * From the next document on, notes at DOMContentLoaded (before any WebAssembly runs)
 * every element the server wrote, and how many match each of `selectors`.
 */
async function noteServerNodes(page: Page, selectors: string[]) {
  await page.addInitScript((selectors: string[]) => {
    document.addEventListener('DOMContentLoaded', () => {
      const w = window as unknown as { __server: WeakSet<Element>; __serverCounts: Record<string, number> };
      w.__server = new WeakSet(document.querySelectorAll('body *'));
      w.__serverCounts = Object.fromEntries(selectors.map((s) => [s, document.querySelectorAll(s).length]));
    });
  }, selectors);
}

/** For each selector: how many the server wrote, how many there are now, and how many of those are the server's. */
async function kept(page: Page, selectors: string[]) {
  return page.evaluate((selectors: string[]) => {
    const w = window as unknown as { __server: WeakSet<Element>; __serverCounts: Record<string, number> };
    return Object.fromEntries(selectors.map((s) => {
      const now = [...document.querySelectorAll(s)];
      return [s, { server: w.__serverCounts[s], now: now.length, theServers: now.filter((e) => w.__server.has(e)).length }];
    }));
  }, selectors);
}

function expectAllKept(found: Record<string, { server: number; now: number; theServers: number }>) {
  for (const [selector, { server, now, theServers }] of Object.entries(found)) {
    expect(server, `${selector} written by the server`).toBeGreaterThan(0);
    expect({ selector, now, theServers }).toEqual({ selector, now: server, theServers: server });
  }
}

const HEADER = [
  '[data-testid="search-box"] input',
  '[data-testid="notification-bell"]',
  '[data-testid="user-menu"] summary',
  '[data-testid="theme-toggle"]',
  '[data-testid="new-case-button"]',
  '[data-testid="shortcuts-help"]',
];

test('a case: every part hydrated later is the server\'s own nodes, once, and alive', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/work?status=open');
  await hydrated(page);
  const number = await page.getByTestId('case-rows').locator('tr').first().getAttribute('data-number');
  await page.goto(`/cases/${number}`);
  await hydrated(page);
  // A comment to hydrate, whatever the demo data holds.
  const words = `Hydrated later ${Date.now()}`;
  await page.getByTestId('comment-input').fill(words);
  await page.getByTestId('post-comment').click();
  await expect(page.getByTestId('comment').filter({ hasText: words })).toHaveCount(1);

  const parts = [
    ...HEADER,
    '[data-testid="comment"]',
    '[data-testid="comment-input"]',
    '[data-testid="activity-entry"]',
    '[data-testid="case-form"] select',
    '[data-testid="save-case"]',
  ];
  await noteServerNodes(page, parts);
  await page.reload();
  await hydrated(page);
  expectAllKept(await kept(page, parts));

  // Alive the moment the page says it is hydrated: the form notices an edit, the
  // composer's @ list opens, the theme toggles, the search box answers.
  await page.getByTestId('case-form').getByLabel('Status').selectOption('pending');
  await expect(page.getByTestId('unsaved')).toBeVisible();
  await page.getByTestId('comment-input').pressSequentially('@Av');
  await expect(page.getByTestId('mention-list')).toBeVisible();
  const theme = await page.locator('html').getAttribute('data-theme');
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).not.toHaveAttribute('data-theme', theme!);
  const box = page.getByRole('combobox', { name: 'Search', exact: true });
  await box.pressSequentially(number!);
  await expect(page.getByTestId('search-results').getByTestId('search-hit').first()).toContainText(`#${number}`);
  expect(errors).toEqual([]);
});

test('a case opened by a link (no new document) has each part once', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/work?status=open');
  await hydrated(page);
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const link = page.getByTestId('case-rows').locator('tr').first().locator('td:nth-child(3) > a');
  const title = (await link.innerText()).trim();
  await link.click();
  await expect(page.getByTestId('case-title')).toHaveText(title);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  await expect(page.getByTestId('case-form')).toHaveCount(1);
  await expect(page.getByTestId('composer')).toHaveCount(1);
  await expect(page.getByTestId('thread').or(page.getByTestId('no-comments'))).toHaveCount(1);
  await page.getByTestId('case-form').getByLabel('Status').selectOption('pending');
  await expect(page.getByTestId('unsaved')).toBeVisible();
  expect(errors).toEqual([]);
});

test('companies: the forms and the table hydrated later are the server\'s own nodes, once', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ANALYST);
  const parts = [
    ...HEADER.filter((s) => !s.includes('new-case')),
    '[data-testid="company-row"]',
    '[data-testid="add-company"] input',
    'main input[name="q"]',
    'main select[name="stage"]',
  ];
  await noteServerNodes(page, parts);
  await page.goto('/companies');
  await hydrated(page);
  expectAllKept(await kept(page, parts));

  // The filters are live: searching changes the page without a new document.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const first = (await page.getByTestId('company-row').first().locator('a').first().innerText()).trim();
  await page.locator('main input[name="q"]').fill(first);
  await page.locator('main input[name="q"]').press('Enter');
  await expect(page).toHaveURL(/[?&]q=/);
  await expect(page.getByTestId('company-row').first()).toContainText(first);
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);
  expect(errors).toEqual([]);
});
