import { expect, test } from '@playwright/test';
import { type Page } from '@playwright/test';
import { ADMIN, ANALYST, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

function casesLabel(n: number): string {
  return n === 1 ? '1 case' : `${n.toLocaleString('en-US')} cases`;
}

/**
 * Clicks the biggest of `marks` on the dashboard and checks the table it opens counts
 * exactly its figure. Other tests change the demo's cases meanwhile (in parallel), so
 * a figure that moved between the two reads is measured again, a few times at most,
 * a second apart: the workspace's figures may lag others' changes by up to
 * DASHBOARD_SETTLE_SECONDS (2 s).
 */
async function biggestOpensItsCases(page: Page, marks: string, url: RegExp) {
  let seen = '';
  for (let attempt = 0; attempt < 6; attempt++) {
    if (attempt > 0) await page.waitForTimeout(1000);
    await page.goto('/');
    await hydrated(page);
    const all = page.locator(marks);
    const values = await all.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))));
    const biggest = values.indexOf(Math.max(...values));
    expect(values[biggest]).toBeGreaterThan(0);
    await all.nth(biggest).click();
    await expect(page).toHaveURL(url);
    seen = await page.getByTestId('match-count').innerText();
    if (seen === casesLabel(values[biggest])) return;
  }
  throw new Error(`the table never counted what the bar showed (last: ${seen})`);
}

test("an employee's dashboard: charts drawn, a bar opens exactly the cases it counts", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/');
  await hydrated(page);
  const status = page.getByTestId('chart-my-status');
  await expect(status.locator('svg')).toBeVisible();
  await expect(page.getByTestId('chart-my-age').locator('svg')).toBeVisible();
  await expect(page.getByTestId('chart-my-closed')).toBeVisible();

  // The tallest status bar: its figure, then the table it opens.
  await biggestOpensItsCases(page, '[data-testid="chart-my-status"] [data-testid="chart-bar"]', /\/work\?status=/);

  // The window picker is the URL.
  await page.goto('/?range=7');
  await hydrated(page);
  await expect(page.getByTestId('chart-my-closed')).toContainText('last 7 days');
  await expect(page.getByTestId('window-picker').locator('[aria-current="page"]')).toHaveText('7 days');
  expect(errors).toEqual([]);
});

test('the dashboard reads without JavaScript, and an analyst gets no case panels', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, EMPLOYEE);
  await page.goto('/');
  await expect(page.getByTestId('chart-my-status').locator('svg')).toBeVisible();
  await context.close();

  const analyst = await (await browser.newContext()).newPage();
  await signIn(analyst, ANALYST);
  await analyst.goto('/');
  await expect(analyst.getByRole('heading', { name: 'Dashboard' })).toBeVisible();
  await expect(analyst.getByTestId('my-dashboard')).toHaveCount(0);
});

test("an admin's dashboard: the backlog opens its cases, the WIP limit marks who is over", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ADMIN);
  await page.goto('/');
  await hydrated(page);
  await expect(page.getByTestId('team-dashboard')).toBeVisible();
  await expect(page.getByTestId('chart-team-flow')).toBeVisible();
  await expect(page.getByTestId('chart-backlog-status').locator('svg')).toBeVisible();
  await expect(page.getByTestId('spend')).toContainText('Enrichment spend');
  await expect(page.getByTestId('work-health')).toContainText('Background work');

  await expect(page.getByTestId('backlog-cell')).toHaveCount(12);

  // A limit of 1: everyone holding a case is over it, and the summary says so.
  const lines = page.getByTestId('load-line');
  const people = await lines.count();
  expect(people).toBeGreaterThan(0);
  await page.getByTestId('wip-form').locator('input[name="wip_limit"]').fill('1');
  await page.getByTestId('wip-form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('load-summary')).toContainText(`at or over the limit of 1`);
  await expect(page.locator('[data-testid="load-line"][data-over="true"]')).toHaveCount(people);
  // And cleared again, so other tests see the demo as it was.
  await page.getByTestId('wip-form').locator('input[name="wip_limit"]').fill('');
  await page.getByTestId('wip-form').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('load-summary')).toContainText('No limit set');

  await biggestOpensItsCases(page, '[data-testid="backlog-cell"]', /\/cases\?status=.*&priority=/);
  expect(errors).toEqual([]);
});

test("an analyst's dashboard: the score histogram and the sector table open their companies", async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ANALYST);
  await page.goto('/');
  await hydrated(page);
  const dashboard = page.getByTestId('companies-dashboard');
  await expect(dashboard).toBeVisible();
  await expect(page.getByTestId('chart-scores').locator('svg')).toBeVisible();
  await expect(page.getByTestId('sector-stage')).toBeVisible();
  await expect(page.getByTestId('own-lists')).toBeVisible();

  // The tallest score band opens the companies in that band, as many as it counts.
  const bars = page.locator('[data-testid="chart-scores"] [data-testid="chart-bar"]');
  const values = await bars.evaluateAll((nodes) => nodes.map((n) => Number(n.getAttribute('data-value'))));
  const biggest = values.indexOf(Math.max(...values));
  expect(values[biggest]).toBeGreaterThan(0);
  await bars.nth(biggest).click();
  await expect(page).toHaveURL(/\/companies\?min_score=\d+&max_score=\d+$/);
  const n = values[biggest];
  await expect(page.getByTestId('match-count')).toHaveText(n === 1 ? '1 company' : `${n.toLocaleString('en-US')} companies`);

  // A sector × stage cell opens that sector at that stage.
  await page.goto('/');
  await hydrated(page);
  await page.getByTestId('sector-cell').first().click();
  await expect(page).toHaveURL(/\/companies\?sector=.+&stage=[a-z_]+$/);
  expect(errors).toEqual([]);
});
