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

// Nothing of the bundle is asked for before the page has loaded and painted (the
// stylesheet has the line to itself), and then everything the page needs at once: every
// wasm module the page hydrates with was named by the server's start script, so the
// route's modules download beside the main one rather than after it. Every area's pages.
test('the bundle starts after the page has painted, with the page’s own modules', async ({ browser, request }) => {
  const served = await request.get('/login');
  const head = (await served.text()).split('</head>')[0];
  expect(head, 'no preload in the served head').not.toMatch(/rel="(module)?preload"/);

  const pages: [string | null, string[]][] = [
    [null, ['/login', '/contact/demo']],
    [EMPLOYEE, ['/', '/notifications', '/work']],
    [ADMIN, ['/cases', '/companies', '/lists', '/contractors', '/admin/users', '/admin/system']],
  ];
  for (const [who, paths] of pages) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const errors = watchErrors(page);
    if (who) {
      await signIn(page, who);
      await expect(page).toHaveURL('/');
    }
    for (const path of paths) {
      await page.goto(path);
      await hydrated(page);
      const seen = await page.evaluate(() => {
        const load = (performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming).loadEventStart;
        const named = [...document.querySelectorAll('link[data-hydration-start]')].map((l) => new URL((l as HTMLLinkElement).href).pathname);
        const fetched = performance.getEntriesByType('resource')
          .filter((r) => new URL(r.name).pathname.startsWith('/pkg/') && /\.(wasm|js)$/.test(r.name))
          .map((r) => ({ path: new URL(r.name).pathname, early: r.startTime < load }));
        return { named, fetched };
      });
      const paths = seen.fetched.map((f) => f.path);
      expect(seen.fetched.filter((f) => f.early), `${path}: fetched before load`).toEqual([]);
      expect(paths.filter((p) => p.endsWith('.wasm') && !seen.named.includes(p)), `${path}: not named by the start script`).toEqual([]);
      expect(paths.length, `${path}: each file fetched once (the preloads were used)`).toBe(new Set(paths).size);
      expect(seen.named.some((p) => /\/split_\w+_area_/.test(p)), `${path}: its area's module named`).toBe(true);
    }
    expect(errors).toEqual([]);
    await context.close();
  }
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
