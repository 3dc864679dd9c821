import { expect, test } from '@playwright/test';
import { EMPLOYEE, blankRows, hydrated, signIn, watchBlankRows, watchErrors } from './helpers';

// These change cases, so they keep to the demo employee's archived ones (which no other
// test looks at) and run in order.
test.describe.configure({ mode: 'serial' });

test('select rows from the keyboard, change their status, then all matching', async ({ page }) => {
  const errors = watchErrors(page);
  await watchBlankRows(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/work?archived=true&status=resolved');
  await hydrated(page);
  const rows = page.getByTestId('case-rows').locator('tr');
  const before = await rows.count();
  expect(before).toBeGreaterThan(2);
  const picked = [await rows.nth(0).getAttribute('data-number'), await rows.nth(1).getAttribute('data-number')];

  // Nothing ticked yet: nothing to apply to.
  await expect(page.getByTestId('apply-selected')).toBeDisabled();
  // j moves, x selects: the first two rows.
  await page.keyboard.press('j');
  await expect(rows.nth(0)).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-current', 'true');
  await page.keyboard.press('x');
  await expect(page.getByTestId('case-rows').locator('input[name="cases[]"]').nth(0)).toBeChecked();
  await expect(page.getByTestId('case-rows').locator('input[name="cases[]"]').nth(1)).toBeChecked();
  await expect(page.getByTestId('case-rows').locator('input[name="cases[]"]').nth(2)).not.toBeChecked();
  await expect(page.getByTestId('apply-selected')).toHaveText('Apply to 2 selected');
  await expect(page.getByTestId('apply-selected')).toBeEnabled();

  await page.getByTestId('bulk-change').selectOption('status:closed');
  await page.getByTestId('apply-selected').click();
  await expect(page.getByTestId('bulk-report')).toHaveText('2 cases updated.');
  // The table reloads: the two are no longer "resolved", so they leave this filter.
  await expect(rows).toHaveCount(before - 2);
  for (const number of picked) {
    await expect(page.locator(`[data-testid="case-rows"] > tr[data-number="${number}"]`)).toHaveCount(0);
  }
  await expect(page.getByTestId('case-rows').locator('input[name="cases[]"]').first()).not.toBeChecked();
  expect(await blankRows(page)).toEqual([]);

  // Then every case this filter still matches.
  await page.getByTestId('bulk-change').selectOption('status:closed');
  await page.getByTestId('apply-all').click();
  // Asked again, with the count, before anything is done.
  const yes = page.getByTestId('apply-all-yes');
  await expect(yes).toHaveText(`Yes, apply to all ${before - 2} cases`);
  // Nothing done yet: the report is still the last action's.
  await expect(page.getByTestId('bulk-report')).toHaveText('2 cases updated.');
  await yes.click();
  await expect(page.getByTestId('bulk-report')).toHaveText(`${before - 2} cases updated.`);
  await expect(page.getByTestId('empty-queue')).toBeVisible();

  // The closed filter shows them all.
  await page.goto('/work?archived=true&status=closed');
  for (const number of picked) {
    await expect(page.locator(`[data-testid="case-rows"] > tr[data-number="${number}"]`)).toHaveAttribute('data-status', 'closed');
  }
  expect(errors).toEqual([]);
});

test('the bulk bar works without JavaScript', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, EMPLOYEE);
  await page.goto('/work?archived=true&status=closed');
  const rows = page.getByTestId('case-rows').locator('tr');
  const before = await rows.count();
  expect(before).toBeGreaterThan(1);
  const number = await rows.first().getAttribute('data-number');

  // Nothing ticked: the server says so, on the page.
  await page.getByTestId('bulk-change').selectOption('status:resolved');
  await page.getByTestId('apply-selected').click();
  await expect(page.getByTestId('bulk-error')).toContainText('select at least one case');

  await page.getByTestId('case-rows').locator('input[name="cases[]"]').first().check();
  await page.getByTestId('bulk-change').selectOption('status:resolved');
  await page.getByTestId('apply-selected').click();
  await expect(page).toHaveURL(/bulk=1\.0\.0/);
  await expect(page.getByTestId('bulk-report')).toHaveText('1 case updated.');
  await expect(rows).toHaveCount(before - 1);
  await expect(page.locator(`[data-testid="case-rows"] > tr[data-number="${number}"]`)).toHaveCount(0);
  await context.close();
});

test('Enter opens the case the keyboard is on', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await page.goto('/work');
  await hydrated(page);
  const rows = page.getByTestId('case-rows').locator('tr');
  await page.keyboard.press('j');
  await page.keyboard.press('j');
  await page.keyboard.press('k');
  await page.keyboard.press('j');
  await expect(rows.nth(1)).toHaveAttribute('aria-current', 'true');
  const number = await rows.nth(1).getAttribute('data-number');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(`/cases/${number}`);
  await expect(page.getByTestId('case-form')).toBeVisible();
});
