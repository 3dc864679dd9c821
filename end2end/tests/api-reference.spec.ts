import { expect, test, type Page } from '@playwright/test';
import { ADMIN, hydrated, signIn, watchErrors } from './helpers';

/** How many operations the served OpenAPI document has. */
async function operationCount(page: Page): Promise<number> {
  const document = await (await page.request.get('/api/v1/openapi.json')).json();
  return Object.values(document.paths as Record<string, Record<string, unknown>>)
    .map((item) => Object.keys(item).length)
    .reduce((a, b) => a + b, 0);
}

/** Records every Content-Security-Policy violation the page reports, from its first byte. */
async function watchPolicy(page: Page): Promise<() => Promise<string[]>> {
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (event) => {
      seen.push(`${event.effectiveDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
    });
  });
  return () => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);
}

test('the API reference renders from the app under its strict policy, and a request tried with a key answers', async ({
  page,
  baseURL,
}) => {
  const errors = watchErrors(page);
  const violations = await watchPolicy(page);
  const swaggerFiles: string[] = [];
  page.on('response', (response) => {
    if (response.url().includes('/pkg/swagger-ui/')) swaggerFiles.push(`${response.status()} ${response.url()}`);
  });
  const outside: string[] = [];
  page.on('request', (request) => {
    if (new URL(request.url()).origin !== new URL(baseURL ?? '').origin) outside.push(request.url());
  });

  // An admin makes a key that reads cases, then follows the link to the reference.
  await signIn(page, ADMIN);
  await page.goto('/admin/api-keys');
  await hydrated(page);
  await page.getByLabel('Name').fill(`reference key ${Date.now()}`);
  await page.getByLabel('Read cases').check();
  await page.getByRole('button', { name: 'Make the key' }).click();
  const key = await page.getByTestId('api-key-secret').inputValue();
  expect(key).toMatch(/^cwk_/);
  await page.getByTestId('api-reference-link').click();
  await expect(page).toHaveURL('/api/docs');

  const reference = page.getByTestId('api-reference');
  await expect(reference).toHaveAttribute('data-ready', 'true');
  const operations = await operationCount(page);
  expect(operations).toBeGreaterThanOrEqual(16);
  await expect(reference.locator('.opblock')).toHaveCount(operations);
  // The server's plain list gives way to the interactive one.
  await expect(page.getByTestId('api-reference-list')).toBeHidden();
  expect(swaggerFiles.every((line) => line.startsWith('200 '))).toBe(true);
  expect(swaggerFiles.length).toBeGreaterThanOrEqual(2);

  // Authorize with the key, then try "list cases".
  await reference.getByRole('button', { name: /Authorize/ }).first().click();
  const dialog = page.locator('.dialog-ux');
  await dialog.locator('input').first().fill(key);
  await dialog.getByRole('button', { name: 'Apply credentials' }).click();
  await dialog.getByRole('button', { name: 'Close' }).click();
  const list = reference.locator('#operations-cases-listCases');
  await list.locator('.opblock-summary').first().click();
  await list.getByRole('button', { name: 'Try it out' }).click();
  await list.getByRole('button', { name: 'Execute' }).click();
  const answer = list.locator('.live-responses-table tbody .response-col_status').first();
  await expect(answer).toHaveText('200');
  await expect(list.locator('.live-responses-table tbody .response-col_description')).toContainText('"next_cursor"');

  expect(await violations()).toEqual([]);
  expect(errors).toEqual([]);
  expect(outside).toEqual([]);
});

test('without JavaScript the reference lists every operation', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  const response = await page.goto('/api/docs');
  expect(response?.status()).toBe(200);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Casework API reference');
  await expect(page.getByTestId('api-operation')).toHaveCount(await operationCount(page));
  await expect(page.getByTestId('api-operation').filter({ hasText: '/api/v1/batch' })).toContainText('POST');
  await context.close();
});

test('the reference follows the dark theme', async ({ browser }) => {
  const context = await browser.newContext({ colorScheme: 'dark' });
  const page = await context.newPage();
  const violations = await watchPolicy(page);
  await page.goto('/api/docs');
  await expect(page.getByTestId('api-reference')).toHaveAttribute('data-ready', 'true');
  // "Follow the system" (no cookie) and a dark system: Swagger UI's dark styles apply.
  await expect(page.locator('html')).toHaveClass(/dark-mode/);
  const text = await page
    .locator('.swagger-ui .opblock-tag')
    .first()
    .evaluate((element) => getComputedStyle(element).color);
  expect(text).toBe('rgb(228, 230, 230)');
  expect(await violations()).toEqual([]);
  await context.close();
});
