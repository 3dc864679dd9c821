import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, signIn, watchErrors } from './helpers';

test('the home page renders on the server and hydrates without errors', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ADMIN);
  await expect(page).toHaveURL('/');
  await expect(page).toHaveTitle('Dashboard · Casework');
  await expect(page.getByRole('heading', { level: 1, name: 'Dashboard' })).toBeVisible();

  const nav = page.getByRole('navigation', { name: 'Main' });
  for (const label of ['Dashboard', 'My work', 'Companies', 'Lists', 'Admin']) {
    await expect(nav.getByRole('link', { name: label, exact: true })).toBeVisible();
  }
  await expect(nav.getByRole('link', { name: 'Dashboard' })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('viewer-name')).toHaveText('Avery Admin');

  await hydrated(page);
  expect(errors).toEqual([]);
});

test('the server sends real HTML before any WebAssembly runs', async ({ request }) => {
  const response = await request.get('/login');
  expect(response.status()).toBe(200);
  const html = await response.text();
  expect(html).toContain('<title>Sign in · Casework</title>');
  expect(html).toContain('data-theme="system"');
  // The release build names its files by content (cargo-leptos hash-files).
  expect(html).toMatch(/\/pkg\/casework\.[\w-]{22}\.css/);
  expect(html).not.toContain('data-hydrated');
});

test('the theme toggle works once hydrated and the choice survives a reload', async ({ page }) => {
  const errors = watchErrors(page);
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/login');
  await hydrated(page);
  const html = page.locator('html');
  const toggle = page.getByTestId('theme-toggle');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);

  await expect(html).toHaveAttribute('data-theme', 'system');
  const lightBackground = await background();

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'light');
  await expect(toggle).toHaveAttribute('aria-label', 'Theme: light');

  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await expect(toggle).toHaveAttribute('aria-label', 'Theme: dark');
  expect(await background()).not.toBe(lightBackground);

  // The cookie makes the server render the dark theme itself: no flash on load. (The
  // browser stores a script's cookie asynchronously: wait until it has, then reload.)
  const themeCookie = async () =>
    (await page.context().cookies()).find((c) => c.name === 'theme')?.value ?? 'none';
  await expect.poll(themeCookie).toBe('dark');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await hydrated(page);
  await expect(toggle).toHaveAttribute('aria-label', 'Theme: dark');

  // Back to following the system.
  await toggle.click();
  await expect(html).toHaveAttribute('data-theme', 'system');
  await expect.poll(themeCookie).toBe('none');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'system');
  expect(errors).toEqual([]);
});

test('"follow system" follows the operating system colour scheme', async ({ page }) => {
  await page.emulateMedia({ colorScheme: 'light' });
  await page.goto('/login');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const light = await background();
  await page.emulateMedia({ colorScheme: 'dark' });
  await expect.poll(background).not.toBe(light);
});

test('an unknown address gets a styled 404 page with a way back', async ({ page }) => {
  const errors = watchErrors(page);
  const response = await page.goto('/no/such/page');
  expect(response?.status()).toBe(404);
  await expect(page).toHaveTitle('Page not found · Casework');
  await expect(page.getByRole('heading', { level: 1, name: 'Page not found' })).toBeVisible();
  await hydrated(page);
  await page.getByRole('link', { name: 'Back to the dashboard' }).click();
  // Not signed in: the dashboard sends us to sign in, and back after.
  await expect(page).toHaveURL('/login?next=%2F');
  // The 404 response itself is logged by Chromium as a failed resource; nothing else may be.
  expect(errors.filter((e) => !e.includes('404'))).toEqual([]);
});

test('navigation updates the page and its title', async ({ page }) => {
  await signIn(page, ADMIN);
  await hydrated(page);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await nav.getByRole('link', { name: 'Companies' }).click();
  await expect(page).toHaveURL('/companies');
  await expect(page).toHaveTitle('Companies · Casework');
  await expect(nav.getByRole('link', { name: 'Companies' })).toHaveAttribute('aria-current', 'page');
  await expect(nav.getByRole('link', { name: 'Dashboard' })).not.toHaveAttribute('aria-current', 'page');
});

test('/api/health reports the database', async ({ request }) => {
  const response = await request.get('/api/health');
  expect(response.status()).toBe(200);
  expect(response.headers()['cache-control']).toBe('no-store');
  expect(response.headers()['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  const body = await response.json();
  expect(body).toMatchObject({ status: 'ok', database: 'ok' });
  expect(typeof body.uptime_s).toBe('number');
  expect(body.version).toMatch(/^\d+\.\d+\.\d+/);
});
