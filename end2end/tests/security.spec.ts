import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ANALYST, hydrated, signIn, watchErrors } from './helpers';

// Every page is served under a Content-Security-Policy that allows only the app's own
// scripts (the inline hydration script by its per-response nonce). These pages must
// hydrate and work under it with no violation reported.

/** Records every CSP violation the document reports, from its first byte. */
async function watchViolations(page: Page) {
  await page.addInitScript(() => {
    (window as unknown as { violations: string[] }).violations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { violations: string[] }).violations.push(
        `${event.violatedDirective} ${event.blockedURI}`,
      );
    });
  });
}

async function violations(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { violations: string[] }).violations);
}

async function visit(page: Page, path: string) {
  const response = await page.goto(path);
  expect(response?.status(), path).toBeLessThan(400);
  const csp = response?.headers()['content-security-policy'] ?? '';
  expect(csp, path).toContain("script-src 'self' 'nonce-");
  expect(csp, path).not.toContain('unsafe-inline');
  await hydrated(page);
  expect(await violations(page), path).toEqual([]);
}

test('every page hydrates under the Content-Security-Policy with no violation', async ({ page }) => {
  const errors = watchErrors(page);
  await watchViolations(page);
  await visit(page, '/login');
  await signIn(page, ADMIN);
  await expect(page).toHaveURL('/');
  for (const path of ['/', '/work', '/cases', '/companies', '/lists', '/admin', '/admin/users', '/admin/usage', '/admin/system']) {
    await visit(page, path);
  }
  // A case page, and something that needs the WebAssembly: the theme toggle.
  await page.goto('/cases');
  await page.locator('[data-testid=case-rows] a').first().click();
  await expect(page).toHaveURL(/\/cases\/\d+/);
  await hydrated(page);
  await page.getByTestId('theme-toggle').click();
  await expect(page.locator('html')).toHaveAttribute('data-theme', /light|dark/);
  expect(await violations(page)).toEqual([]);
  expect(errors.filter((e) => e.includes('Content Security Policy'))).toEqual([]);
});

test('an analyst company page and its enrichment panel run under the policy', async ({ page }) => {
  await watchViolations(page);
  await signIn(page, ANALYST);
  await visit(page, '/companies');
  await page.locator('[data-testid=company-row] a').first().click();
  await expect(page).toHaveURL(/\/companies\/[0-9a-f-]+/);
  await hydrated(page);
  expect(await violations(page)).toEqual([]);
});
