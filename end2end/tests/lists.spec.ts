import { expect, test, type Page } from '@playwright/test';
import { ANALYST, hydrated, signIn, watchErrors } from './helpers';

// Each run makes its own list, company and saved search (unique names), so reruns
// against the same database do not collide.
const tag = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;

async function addCompany(page: Page, name: string, website: string) {
  await page.goto('/companies');
  await hydrated(page);
  await page.getByText('Add a company').click();
  const form = page.getByTestId('add-company');
  await form.getByLabel('Name').fill(name);
  await form.getByLabel('Website').fill(website);
  await form.getByRole('button', { name: 'Add company' }).click();
  await expect(page.getByTestId('company-name')).toHaveText(name);
}

test('make a list, add a ticked company, save the search, remove it again', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ANALYST);
  const company = `Zephyrine ${tag}`;
  await addCompany(page, company, `zephyrine-${tag}.example`);

  // A new list opens its (empty) page.
  const list = `Shortlist ${tag}`;
  await page.goto('/lists');
  await hydrated(page);
  await page.getByTestId('create-list').getByRole('textbox').fill(list);
  await page.getByRole('button', { name: 'Create list' }).click();
  await expect(page.getByTestId('list-name')).toHaveText(list);
  await expect(page.getByTestId('empty-list')).toBeVisible();

  // Tick the company on the filtered companies page and add it.
  await page.goto(`/companies?q=${encodeURIComponent(tag)}`);
  await hydrated(page);
  const row = page.getByTestId('company-row').filter({ hasText: company });
  await expect(row).toHaveCount(1);
  await row.getByTestId('select-company').check();
  await page.getByTestId('list-picker').selectOption({ label: `${list} (0)` });
  await page.getByTestId('add-ticked').click();
  await expect(page.getByTestId('add-report')).toContainText(`Added 1 company to “${list}”`);
  // Again, with the row's own button: already on it, not an error.
  await row.getByTestId('add-one').click();
  await expect(page.getByTestId('add-report')).toContainText(`Already on “${list}”`);

  // Save the filter; it appears in the menu as a link back to it.
  await page.getByText('Save this search', { exact: true }).click();
  await page.getByTestId('save-search').getByRole('textbox').fill(`Search ${tag}`);
  await page.getByTestId('save-search').getByRole('button', { name: 'Save' }).click();
  await expect(page.getByTestId('search-report')).toContainText(`Saved as “Search ${tag}”`);
  await page.getByTestId('saved-searches').locator('summary').click();
  await expect(page.getByTestId('saved-search').filter({ hasText: `Search ${tag}` })).toHaveAttribute(
    'href',
    `/companies?q=${tag}`,
  );
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', `/companies.csv?q=${tag}`);

  // Reopen the saved search from an unfiltered list: the filter and its rows come back.
  await page.goto('/companies');
  await hydrated(page);
  await page.getByTestId('saved-searches').locator('summary').click();
  await page.getByTestId('saved-search').filter({ hasText: `Search ${tag}` }).click();
  await expect(page).toHaveURL(new RegExp(`/companies\\?q=${tag}$`));
  await expect(page.getByRole('searchbox')).toHaveValue(tag);
  await expect(page.getByTestId('company-row')).toHaveCount(1);

  // The list's page shows it; remove it after the confirmation step.
  await page.goto('/lists');
  await hydrated(page);
  await page.getByRole('link', { name: list }).click();
  await expect(page.getByTestId('list-name')).toHaveText(list);
  const onList = page.getByTestId('company-row').filter({ hasText: company });
  await expect(onList).toHaveCount(1);
  await onList.getByText('Remove…').click();
  await onList.getByRole('button', { name: 'Yes, remove from this list' }).click();
  await expect(page.getByTestId('empty-list')).toBeVisible();
  expect(errors).toEqual([]);
});
