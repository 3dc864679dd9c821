import { expect, test, type Page } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

// The browser bundle is split by area of pages (app/src/routes.rs): a page fetches the
// initial bundle and its own area's modules, and the next area's only when a link
// leads there.

/** Every /pkg/ file the page fetched, by name without its content hash. */
function watchModules(page: Page) {
  const names: string[] = [];
  page.on('request', (request) => {
    const path = new URL(request.url()).pathname;
    if (path.startsWith('/pkg/')) names.push(path.slice('/pkg/'.length).replace(/\.[\w-]{22}\./, '.'));
  });
  return names;
}

const area = (names: string[], which: string) => names.some((n) => n.startsWith(`split_${which}_area_`));

test('a page loads its own area of the bundle, and another area only when opened', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ADMIN);
  await expect(page).toHaveURL('/');
  await hydrated(page);

  const modules = watchModules(page);
  await page.goto('/work');
  await hydrated(page);
  expect(modules).toContain('casework.wasm');
  expect(area(modules, 'cases')).toBe(true);
  for (const other of ['admin', 'companies', 'public']) expect(area(modules, other), other).toBe(false);

  // Client-side navigation: no new document, the admin area's module arrives on demand.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  modules.length = 0;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin', exact: true }).click();
  await expect(page).toHaveURL('/admin');
  await expect(page.getByRole('heading', { level: 1 })).toBeVisible();
  expect(area(modules, 'admin')).toBe(true);
  expect(modules).not.toContain('casework.wasm');
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // And the admin pages work once there: the users page's form is live.
  await page.goto('/admin/users');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1, name: 'Users' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('the sign-in page needs only the initial bundle and the public area', async ({ page }) => {
  const modules = watchModules(page);
  await page.goto('/login');
  await hydrated(page);
  expect(area(modules, 'public')).toBe(true);
  for (const other of ['admin', 'companies', 'cases', 'home']) expect(area(modules, other), other).toBe(false);
});

test('built files are sent compressed and cached for a year under their hashed names', async ({ page, request }) => {
  const seen: { name: string; cache: string; encoding: string }[] = [];
  page.on('response', async (response) => {
    const path = new URL(response.url()).pathname;
    if (!path.startsWith('/pkg/') || path.startsWith('/pkg/swagger-ui/')) return;
    const headers = await response.allHeaders();
    seen.push({ name: path, cache: headers['cache-control'] ?? '', encoding: headers['content-encoding'] ?? '' });
  });
  await signIn(page, EMPLOYEE);
  await page.goto('/work');
  await hydrated(page);
  expect(seen.length).toBeGreaterThan(3);
  for (const file of seen) {
    expect(file.name, 'a content-hashed name').toMatch(/\.[\w-]{22}\.(js|wasm|css)$/);
    expect(file.cache, file.name).toBe('public, max-age=31536000, immutable');
    expect(file.encoding, file.name).toBe('br');
  }

  // Without brotli, gzip from the file built ahead of time.
  const wasm = seen.find((f) => f.name.endsWith('.wasm'));
  const gzip = await request.get(wasm!.name, { headers: { 'accept-encoding': 'gzip' } });
  expect(gzip.headers()['content-encoding']).toBe('gzip');
});
