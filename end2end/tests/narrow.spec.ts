import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ANALYST, EMPLOYEE, hydrated, signIn } from './helpers';

// A 390 px phone: no page may be wider than the screen (a table scrolls inside its own
// box, or lays its rows out as cards), so nothing is cut off and nothing needs a
// sideways scroll of the whole page.
test.use({ viewport: { width: 390, height: 844 } });

async function fitsTheScreen(page: Page, paths: string[]) {
  const wide: string[] = [];
  for (const path of paths) {
    await page.goto(path);
    await hydrated(page);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > 390) wide.push(`${path}: ${width} px`);
  }
  expect(wide, wide.join('\n')).toEqual([]);
}

async function firstLink(page: Page, path: string, pattern: RegExp): Promise<string> {
  await page.goto(path);
  const href = await page.locator('main a[href]').evaluateAll(
    (links, source) => links.map((a) => a.getAttribute('href') ?? '').find((h) => new RegExp(source).test(h)) ?? '',
    pattern.source,
  );
  expect(href).not.toBe('');
  return href;
}

test('an employee’s pages fit a phone', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const aCase = await firstLink(page, '/work', /^\/cases\/\d+/);
  await fitsTheScreen(page, ['/', '/work', aCase, '/notifications', '/search?q=open', '/contractors']);
  // The queue's rows are cards here: every column of a row is on screen.
  await page.goto('/work');
  const row = page.getByTestId('case-rows').locator('tr').first();
  for (const cell of await row.locator('td').all()) {
    const box = await cell.boundingBox();
    expect(box, 'a cell is laid out').not.toBeNull();
    expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  }
});

test('an analyst’s pages fit a phone', async ({ page }) => {
  await signIn(page, ANALYST);
  const company = await firstLink(page, '/companies', /^\/companies\/\d+/);
  await fitsTheScreen(page, ['/', '/companies', company, '/lists']);
});

test('an admin’s pages fit a phone', async ({ page }) => {
  await signIn(page, ADMIN);
  await fitsTheScreen(page, ['/', '/cases', '/admin', '/admin/users', '/admin/system']);
});
