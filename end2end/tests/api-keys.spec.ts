import { expect, test } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

test('an admin makes an API key, sees its secret once, and revokes it', async ({ page }) => {
  const errors = watchErrors(page);
  const name = `e2e key ${Date.now()}`;
  await signIn(page, ADMIN);
  await page.goto('/admin/api-keys');
  await hydrated(page);
  await page.getByLabel('Name').fill(name);
  await page.getByLabel('Read cases').check();
  await page.getByLabel('Post comments').check();
  await page.getByRole('button', { name: 'Make the key' }).click();
  const secret = page.getByTestId('api-key-secret');
  await expect(secret).toHaveValue(/^cwk_[0-9A-Za-z]{8}_[0-9A-Za-z]{32}$/);
  const key = await secret.inputValue();
  const row = page.locator(`[data-testid=api-key-row][data-prefix="${key.slice(0, 12)}"]`);
  await expect(row).toContainText(name);
  await expect(row).toContainText('cases:read, comments:write');
  await expect(row.getByTestId('api-key-status')).toHaveText('Active');

  // Shown once: a fresh look at the page lists the key, not its secret.
  await page.reload();
  await expect(page.getByTestId('api-key-made')).toHaveCount(0);
  await expect(page.content()).resolves.not.toContain(key.slice(13));
  await hydrated(page);
  await row.getByRole('button', { name: `Revoke the key ${name}` }).click();
  await expect(row.getByTestId('api-key-status')).toHaveText(/^Revoked /);
  await expect(row.getByRole('button', { name: /Revoke/ })).toHaveCount(0);

  expect(errors).toEqual([]);

  // A refused key (the browser logs the 422 it asked for): the error says why, and
  // nothing is made.
  const rows = await page.getByTestId('api-key-row').count();
  await page.getByLabel('Name').fill('No scopes');
  await page.getByRole('button', { name: 'Make the key' }).click();
  await expect(page.locator('[data-field-error="scopes"]')).toHaveText('Scopes: choose at least one scope.');
  await expect(page.getByTestId('api-key-error')).toHaveCount(0);
  await expect(page.getByTestId('api-key-row')).toHaveCount(rows);
});

test('without JavaScript the key is made and its secret shown once', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, ADMIN);
  await page.goto('/admin/api-keys');
  await page.getByLabel('Name').fill(`no-js key ${Date.now()}`);
  await page.getByLabel('Read contractors').check();
  await page.getByRole('button', { name: 'Make the key' }).click();
  await expect(page).toHaveURL('/admin/api-keys');
  await expect(page.getByTestId('api-key-secret')).toHaveValue(/^cwk_/);
  await page.reload();
  await expect(page.getByTestId('api-key-made')).toHaveCount(0);
  await context.close();
});

test('an employee is told the API keys are for admins', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const response = await page.goto('/admin/api-keys');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('not-allowed')).toBeVisible();
});
