import { expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'casework-demo';
export const ADMIN = 'admin@demo.test';
export const EMPLOYEE = 'employee@demo.test';
export const ANALYST = 'analyst@demo.test';

// Collects what the browser reports as broken (hydration panics, failed scripts) so
// each test can assert the page ran cleanly.
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Signs in through the real form, as a person would. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD, path = '/login') {
  await page.goto(path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
