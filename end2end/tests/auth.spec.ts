import { expect, test } from '@playwright/test';
import { ADMIN, ANALYST, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

test('password sign-in and sign-out', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await expect(page).toHaveURL('/');
  await hydrated(page);
  await expect(page.getByTestId('viewer-name')).toHaveText('Emery Employee');
  // Employees have no Admin entry.
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' })).toHaveCount(0);

  await page.getByTestId('user-menu').click();
  await expect(page.getByTestId('viewer-role')).toHaveText('Employee');
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL('/login?notice=signed_out');
  await expect(page.getByRole('status')).toHaveText('You are signed out.');

  // Signed out for real: pages send us back to sign in.
  await page.goto('/work');
  await expect(page).toHaveURL('/login?next=%2Fwork');
  expect(errors).toEqual([]);
});

test('a wrong password says so and keeps the email', async ({ page }) => {
  await signIn(page, ANALYST, 'not the password');
  await expect(page.getByTestId('login-error')).toHaveText('Email or password is wrong.');
  await expect(page.getByLabel('Email')).toHaveValue(ANALYST);
  await expect(page.getByLabel('Password')).toHaveValue('');
});

test('after signing in you land where you were going', async ({ page }) => {
  await page.goto('/lists');
  await expect(page).toHaveURL('/login?next=%2Flists');
  await page.getByLabel('Email').fill(ANALYST);
  await page.getByLabel('Password').fill('casework-demo');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL('/lists');
  await expect(page).toHaveTitle('Lists · Casework');
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign-in and sign-out still work', async ({ page }) => {
    await signIn(page, ADMIN);
    await expect(page).toHaveURL('/');
    await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();
    await page.getByTestId('user-menu').locator('summary').click();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page).toHaveURL('/login?notice=signed_out');
  });
});
