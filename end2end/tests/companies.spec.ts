import { expect, test } from '@playwright/test';
import { ANALYST, hydrated, signIn, watchErrors } from './helpers';
import { fixtureSitePort } from '../playwright.config';

const site = `http://127.0.0.1:${fixtureSitePort}/`;

test.describe.configure({ mode: 'serial' });

test('an analyst adds a company, enriches it, and watches the score appear without reloading', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ANALYST);
  await page.goto('/companies');
  await hydrated(page);
  await page.getByText('Add a company').click();
  const form = page.getByTestId('add-company');
  await form.getByLabel('Name').fill('Fixture Robotics');
  await form.getByLabel('Website').fill(site);
  await form.getByLabel('Sector').fill('Robotics');
  await form.getByRole('button', { name: 'Add company' }).click();
  await expect(page).toHaveURL(/\/companies\/\d+$/);
  await expect(page.getByTestId('company-name')).toHaveText('Fixture Robotics');
  await expect(page.getByText('Not enriched yet.')).toBeVisible();
  await expect(page.getByTestId('quota')).toContainText('100 of 100 left this hour');

  // A marker on the window: it survives only if the page is never reloaded.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  await page.getByTestId('enrich-button').click();
  // The job runs in the background; the page follows it over its event stream.
  await expect(page.getByTestId('score-value')).toHaveText(/^\d+$/, { timeout: 20_000 });
  // A screen reader hears the run finish (the live region was there, empty, from the start).
  await expect(page.getByTestId('enrichment-announcer')).toHaveText(/^Enrichment finished: score \d+$/);
  await expect(page.getByTestId('enrichment')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('signals')).toContainText('Hiring');
  await expect(page.getByTestId('keywords')).toContainText('warehouse');
  await expect(page.getByTestId('sources')).toContainText('127.0.0.1');
  await expect(page.getByTestId('quota')).toContainText('99 of 100 left this hour');
  await expect(page.getByTestId('enrich-button')).toHaveText('Re-enrich');
  expect(await page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed)).toBe(true);

  // The list shows the score, and adding the same site again warns with a link.
  await page.goto('/companies');
  await hydrated(page);
  await expect(page.getByTestId('company-row').filter({ hasText: 'Fixture Robotics' }).getByTestId('score')).toHaveText(/^\d+$/);
  await page.getByText('Add a company').click();
  // The same site typed another way: no scheme, no trailing slash.
  await page.getByTestId('add-company').getByLabel('Website').fill(`127.0.0.1:${fixtureSitePort}`);
  await expect(page.getByTestId('duplicate-warning')).toContainText('Already tracked as Fixture Robotics');
  expect(errors).toEqual([]);
});

test('a note added on the company page stays while the enrichment updates live', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ANALYST);
  await page.goto('/companies?q=fixture');
  await hydrated(page);
  await page.getByTestId('company-row').filter({ hasText: 'Fixture Robotics' }).getByRole('link', { name: 'Fixture Robotics' }).click();
  await expect(page.getByTestId('company-name')).toHaveText('Fixture Robotics');
  await hydrated(page);
  const composer = page.getByTestId('add-note').locator('textarea');
  await composer.fill('Half-typed thought');
  // A re-enrichment runs and updates the page while the text is in the box.
  await page.getByTestId('enrich-button').click();
  await expect(page.getByTestId('quota')).toContainText('98 of 100 left this hour');
  await expect(page.getByTestId('enrichment')).toHaveAttribute('data-status', 'done', { timeout: 20_000 });
  await expect(composer).toHaveValue('Half-typed thought');
  await composer.fill('Strong fit: follow up in May');
  await page.getByTestId('add-note').getByRole('button', { name: 'Add note' }).click();
  await expect(page.getByTestId('note')).toContainText('Strong fit: follow up in May');
  await expect(composer).toHaveValue('');
  expect(errors).toEqual([]);

  // A refused edit (the browser logs the 422 it asked for) is said beside its field, in
  // words, and changes nothing.
  const editor = page.getByTestId('company-editor');
  await editor.evaluate((form) => form.setAttribute('novalidate', ''));
  await editor.locator('input[name="name"]').fill('   ');
  await editor.getByRole('button', { name: 'Save details' }).click();
  await expect(editor.locator('[data-field-error="name"]')).toHaveText('Name is required.');
  await expect(editor.locator('input[name="name"]')).toHaveAttribute('aria-invalid', 'true');
  await expect(editor.locator('input[name="name"]')).toBeFocused();
  await page.reload();
  await expect(page.getByTestId('company-name')).toHaveText('Fixture Robotics');
});
