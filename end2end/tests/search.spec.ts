import { expect, test } from '@playwright/test';
import { EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

// The header's search box: Ctrl-K from anywhere, results as one types, Enter opens the
// chosen one, the recently opened ones when it is empty; the /search page without
// JavaScript; `?` lists the keys.

test('Ctrl-K, a case number, Enter: the case; then it is among the recent items', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/work?status=open&sort=created');
  await hydrated(page);
  const row = page.getByTestId('case-rows').locator('tr').first();
  const number = (await row.getAttribute('data-number'))!;
  const title = (await row.locator('td:nth-child(3) > a').innerText()).trim();

  await page.keyboard.press('Control+K');
  const box = page.getByRole('combobox', { name: 'Search', exact: true });
  await expect(box).toBeFocused();
  await box.pressSequentially(number);
  const first = page.getByTestId('search-results').getByTestId('search-hit').first();
  await expect(first).toContainText(`#${number} ${title}`);
  await expect(box).toHaveAttribute('aria-expanded', 'true');
  await box.press('ArrowDown');
  await expect(first).toHaveAttribute('aria-selected', 'true');
  await expect(box).toHaveAttribute('aria-activedescendant', 'site-search-hit-0');
  await box.press('Enter');
  await expect(page).toHaveURL(`/cases/${number}`);
  await expect(page.getByTestId('case-title')).toHaveText(title);

  // Empty box: what was opened lately.
  await page.keyboard.press('/');
  await expect(box).toBeFocused();
  const recent = page.getByTestId('search-results');
  await expect(recent).toContainText('Recent');
  await expect(recent.getByTestId('search-hit').first()).toContainText(`#${number}`);
  await box.press('Escape');
  await expect(box).toHaveAttribute('aria-expanded', 'false');

  // Enter with nothing chosen: the whole search on its page.
  await box.fill('');
  await box.pressSequentially('my wo');
  await expect(page.getByTestId('search-results').getByTestId('search-hit').first()).toContainText('My work');
  await box.press('Enter');
  await expect(page).toHaveURL(/\/search\?q=my\+wo/);
  await expect(page.getByTestId('search-hits').getByTestId('search-hit').first()).toContainText('My work');
  expect(errors).toEqual([]);
});

test('the search page and the header box work without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, EMPLOYEE);
  await page.goto('/work?status=open&sort=created');
  const number = (await page.getByTestId('case-rows').locator('tr').first().getAttribute('data-number'))!;
  // The header's box is a plain GET form here.
  await page.locator('#site-search').fill(`#${number}`);
  await page.locator('#site-search').press('Enter');
  await expect(page).toHaveURL(/\/search\?q=%23\d+/);
  const hit = page.getByTestId('search-hits').getByTestId('search-hit').first();
  await expect(hit).toContainText(`#${number}`);
  await hit.getByRole('link').click();
  await expect(page).toHaveURL(`/cases/${number}`);

  await page.goto('/search?q=zzzqqqnothing');
  await expect(page.getByTestId('search-empty')).toContainText('Nothing found');
  await context.close();
});

test('? lists the keyboard shortcuts in a dialog that Escape closes', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await page.goto('/work');
  await hydrated(page);
  await page.keyboard.press('Shift+Slash');
  const help = page.getByTestId('shortcuts-help');
  await expect(help).toBeVisible();
  await expect(help).toContainText('Search everything');
  await expect(help).toContainText('New case');
  await page.keyboard.press('Escape');
  await expect(help).toBeHidden();
});
