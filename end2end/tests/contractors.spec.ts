import { expect, test } from '@playwright/test';
import { fakeZohoPort } from '../playwright.config';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

const fake = `http://127.0.0.1:${fakeZohoPort}`;

// One story, in order: the admin connects the fake Zoho, syncs, watches the progress
// bar reach 100 % without reloading; an employee browses the directory with photos; an
// edit in Zoho arrives by webhook and shows in the directory.
test.describe.configure({ mode: 'serial' });

test('an admin connects Zoho CRM and watches the first sync finish live', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ADMIN);
  await page.goto('/admin/integrations/zoho');
  await hydrated(page);
  await expect(page.getByRole('heading', { name: 'Connect Zoho CRM' })).toBeVisible();
  await page.getByLabel('Client id').fill('1000.FAKECLIENTID');
  await page.getByLabel('Client secret').fill('fake-client-secret');
  await page.getByLabel('Refresh token').fill('1000.fake-refresh-token');
  // A refused field is said beside it, and nothing is connected.
  const module = page.getByLabel('Module', { exact: true });
  const moduleName = await module.inputValue();
  await module.fill('Contacts!');
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.locator('[data-field-error="module"]')).toHaveText('Module is not a module API name (letters, digits and _).');
  await expect(module).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('heading', { name: 'Connect Zoho CRM' })).toBeVisible();
  await module.fill(moduleName);
  await page.getByLabel('Client secret').fill('fake-client-secret');
  await page.getByLabel('Refresh token').fill('1000.fake-refresh-token');
  await page.getByRole('button', { name: 'Connect' }).click();
  await expect(page.getByRole('heading', { name: 'Connection' })).toBeVisible();
  // The secret is never shown back.
  await expect(page.getByLabel('Client secret')).toHaveValue('');
  expect(await page.content()).not.toContain('fake-client-secret');
  await expect(page.getByTestId('webhook-url')).toContainText('/webhooks/zoho/');

  await page.getByRole('button', { name: 'Test the connection' }).click();
  await expect(page.getByTestId('zoho-test-result')).toContainText('the connection works');

  // Slow the fake so the run is visibly in progress before it finishes.
  await page.request.post(`${fake}/_fake/faults`, { data: { latency_ms: 40 } });
  await page.getByRole('button', { name: 'Sync now' }).click();
  const progress = page.getByTestId('sync-progress');
  await expect(progress).toBeVisible({ timeout: 15_000 });
  await expect(progress).toHaveAttribute('data-status', 'Running', { timeout: 15_000 });
  // The bar moves and reaches the end without a reload (the event stream drives it).
  await expect(page.getByTestId('sync-run').first()).toHaveAttribute('data-status', 'Done', { timeout: 60_000 });
  await page.request.post(`${fake}/_fake/faults`, { data: { latency_ms: 5 } });
  const run = page.getByTestId('sync-run').first();
  await expect(run).toContainText('150');
  // Pressing again within ten minutes is refused with the wait.
  await page.getByRole('button', { name: 'Sync now' }).click();
  await expect(page.getByTestId('zoho-flash')).toContainText(/rate|try again|wait/i);
  // The refusals are the only errors the browser reports: the 422 of the refused module
  // name and the 429 itself.
  expect(errors.filter((e) => !e.includes('status of 429') && !e.includes('status of 422'))).toEqual([]);
});

test('the directory shows contractors with photos, searchable and filterable', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/contractors');
  await hydrated(page);
  await expect(page.getByTestId('match-count')).toHaveText('150 contractors');
  const cards = page.getByTestId('contractor-card');
  await expect(cards).toHaveCount(48);
  // Photos load (lazy, from the app's storage) for the cards in view.
  const photo = cards.first().locator('img');
  await expect(photo).toBeVisible();
  await expect.poll(() => photo.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth)).toBeGreaterThan(0);
  // A search and a filter, carried in the URL.
  await page.getByLabel('Trade').selectOption('Electrician');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/trade=Electrician/);
  expect(new URL(page.url()).search).not.toMatch(/(^\?|&)=/);
  // The filtered page replaces the first one: fewer contractors, all electricians.
  await expect(page.getByTestId('match-count')).not.toHaveText('150 contractors');
  const count = Number(((await page.getByTestId('match-count').textContent()) ?? '').split(' ')[0]);
  expect(count).toBeGreaterThan(0);
  expect(count).toBeLessThan(150);
  for (const card of (await cards.all()).slice(0, 5)) await expect(card).toContainText('Electrician');
  await cards.first().locator('a').click();
  await expect(page.getByTestId('contractor-name')).toBeVisible();
  await expect(page.getByTestId('zoho-link')).toHaveAttribute('href', /crm\.zoho\.\w+\/crm\/tab\/Contacts\//);
  expect(errors).toEqual([]);
});

test('an edit in Zoho arrives by webhook and shows in the directory', async ({ page, request }) => {
  const state = await (await request.get(`${fake}/_fake/state`)).json();
  expect(state.channel?.notify_url).toContain('/webhooks/zoho/');
  const first = await (await request.post(`${fake}/_fake/modify`, { data: { count: 0 } })).json();
  expect(first.modified).toEqual([]);
  const edited = await (
    await request.post(`${fake}/_fake/edit`, {
      data: { id: '4150868000000000000', fields: { Full_Name: 'Zara Webhook', Mailing_City: 'Hull' } },
    })
  ).json();
  expect(edited.notified).toBe(200);
  await signIn(page, EMPLOYEE);
  await page.goto('/contractors?q=Zara');
  await expect(page.getByTestId('contractor-card')).toHaveCount(1);
  await expect(page.getByTestId('contractor-card')).toContainText('Hull');
});
