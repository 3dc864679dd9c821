import { expect, test } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

test('an employee opening /admin/users is told it is not allowed', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const response = await page.goto('/admin/users');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('not-allowed')).toContainText('Only admins');
  await expect(page.getByTestId('user-row')).toHaveCount(0);
});

test('an admin adds a user, changes their role, and the user sees it on their next page load', async ({ browser, page }) => {
  const errors = watchErrors(page);
  const email = `e2e-${Date.now()}-${Math.floor(Math.random() * 1e6)}@demo.test`;
  const password = 'a fine long password';

  await signIn(page, ADMIN);
  await page.goto('/admin/users');
  await hydrated(page);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Name').fill('Robin Newcomer');
  await page.getByLabel('Role', { exact: true }).selectOption('employee');
  await page.getByLabel('Initial password (optional)').fill(password);
  await page.getByRole('button', { name: 'Add user' }).click();
  const row = page.locator(`[data-testid=user-row][data-email="${email}"]`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('audit-trail')).toContainText('Avery Admin added Robin Newcomer as employee');
  // The form starts empty again: no password left for the next person added.
  await expect(page.getByLabel('Initial password (optional)')).toHaveValue('');
  await expect(page.getByLabel('Email')).toHaveValue('');

  // The new user signs in elsewhere.
  const theirContext = await browser.newContext();
  const theirs = await theirContext.newPage();
  await signIn(theirs, email, password);
  await expect(theirs).toHaveURL('/');
  await theirs.getByTestId('user-menu').click();
  await expect(theirs.getByTestId('viewer-role')).toHaveText('Employee');

  // The admin makes them an analyst.
  await row.getByTestId('role-select').selectOption('analyst');
  await row.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByTestId('audit-trail')).toContainText("changed Robin Newcomer's role from employee to analyst");

  // Their next page load reflects it: the old session is over, and signing in again
  // shows the new role.
  await theirs.reload();
  await expect(theirs).toHaveURL('/login?next=%2F');
  await signIn(theirs, email, password);
  await theirs.getByTestId('user-menu').click();
  await expect(theirs.getByTestId('viewer-role')).toHaveText('Analyst');

  // Deactivated, they cannot sign in at all.
  // Asked again, naming them, before it is done.
  await row.getByText('Deactivate', { exact: true }).click();
  await expect(row.getByTestId('deactivate-confirm')).toContainText('Deactivate Robin Newcomer?');
  await row.getByTestId('deactivate-yes').click();
  await expect(row.getByText('Deactivated', { exact: true })).toBeVisible();
  await theirs.reload();
  await expect(theirs).toHaveURL(/\/login/);
  await signIn(theirs, email, password);
  await expect(theirs.getByTestId('login-error')).toContainText('deactivated');
  await theirContext.close();
  expect(errors).toEqual([]);
});

test('the last admin cannot demote themselves', async ({ page }) => {
  await signIn(page, ADMIN);
  await page.goto('/admin/users?q=admin%40demo.test');
  await hydrated(page);
  const row = page.locator('[data-testid=user-row][data-email="admin@demo.test"]');
  await row.getByTestId('role-select').selectOption('employee');
  await row.getByRole('button', { name: 'Save role' }).click();
  await expect(page.getByTestId('action-error')).toContainText('last active admin');
  await page.reload();
  await expect(row.getByTestId('role-select')).toHaveValue('admin');
});
