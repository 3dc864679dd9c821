import { expect, test } from '@playwright/test';
import { EMPLOYEE, blankRows, hydrated, signIn, watchBlankRows, watchErrors } from './helpers';

test('the demo employee filters their queue and pages forward and back', async ({ page }) => {
  const errors = watchErrors(page);
  await watchBlankRows(page);
  await signIn(page, EMPLOYEE, undefined, '/login?next=%2Fwork');
  await expect(page).toHaveURL('/work');
  await expect(page).toHaveTitle('My work · Casework');
  await hydrated(page);
  const rows = page.getByTestId('case-rows').locator('tr');
  await expect(rows).toHaveCount(100);
  await expect(page.getByTestId('match-count')).toHaveText(/^\d+ cases$/);

  // Filter by status through the form: the URL carries it, every row obeys it.
  await page.getByLabel('Open', { exact: true }).check();
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page).toHaveURL(/status=open/);
  // Only named fields make the address: no stray `&=` from the button.
  expect(new URL(page.url()).search).not.toMatch(/(^\?|&)=/);
  // Until the answer arrives the previous rows stay (a transition), and the first of
  // them may be open already: wait for the whole table to be the filtered one.
  await expect
    .poll(async () => new Set(await rows.evaluateAll((all) => all.map((row) => row.getAttribute('data-status')))))
    .toEqual(new Set(['open']));
  expect(await blankRows(page)).toEqual([]);
  // The export is the filtered queue, whole: every row open (other tests change cases
  // meanwhile, so its length is not compared with the count shown).
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', '/work.csv?status=open');
  const csv = await (await page.request.get('/work.csv?status=open')).text();
  const lines = csv.trim().split('\n');
  expect(lines[0]).toMatch(/^number,title,customer_name,/);
  expect(lines.slice(1).every((line) => line.includes(',open,'))).toBe(true);
  expect(lines.length).toBeGreaterThan(1);

  // Back to everything (oldest-first by creation, an order other tests' edits cannot
  // reshuffle), then forward a page and back again.
  await page.goto('/work?sort=created');
  await hydrated(page);
  const firstOnPageOne = (await rows.first().getAttribute('data-number')) ?? '';
  expect(firstOnPageOne).not.toBe('');
  await page.getByRole('navigation', { name: 'Pages' }).getByRole('link', { name: 'Next page →' }).click();
  await expect(page).toHaveURL(/after=/);
  await expect(rows.first()).not.toHaveAttribute('data-number', firstOnPageOne);
  await page.goBack();
  await expect(page).toHaveURL('/work?sort=created');
  await expect(rows.first()).toHaveAttribute('data-number', firstOnPageOne);
  // Both pages came through the server function, and were built whole from it.
  await expect(rows).toHaveCount(100);
  expect(await blankRows(page)).toEqual([]);
  expect(errors).toEqual([]);
});

test('the page carries its rows once: as HTML, not again as data', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const html = await (await page.request.get('/work?sort=created')).text();
  const titles = [...html.matchAll(/<td><a href="\/cases\/\d+">([^<]+)<\/a>/g)].map((m) => m[1]);
  expect(titles).toHaveLength(100);
  // Every resource the server resolved into the page (the bell's count is one); the
  // queue's is the one with rows.
  const resources = [...html.matchAll(/__RESOLVED_RESOURCES\[\d+\] = ("(?:[^"\\]|\\.)*")/g)].map(
    (m) => JSON.parse(m[1]) as string,
  );
  const decoded = resources.find((r) => r.includes('"rows"')) ?? '';
  expect(decoded).not.toBe('');
  for (const title of titles) expect(decoded).not.toContain(title);
  // What the browser's code needs of each row is there: its id and number.
  const numbers = [...html.matchAll(/<tr data-number="(\d+)"/g)].map((m) => Number(m[1]));
  const wire = JSON.parse(decoded) as { Ok: { rows: [number, number][] } };
  expect(wire.Ok.rows.map(([, number]) => number)).toEqual(numbers);
});

test('a bad filter in the URL explains itself', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const response = await page.goto('/work?status=everything');
  expect(response?.status()).toBe(422);
  await expect(page.getByTestId('queue-error')).toContainText('is not a status');
  await page.getByRole('link', { name: 'Reset the filters' }).click();
  await expect(page.getByTestId('case-rows').locator('tr').first()).toBeVisible();
});

test('an admin sees every case and narrows to the unassigned ones', async ({ page }) => {
  await watchBlankRows(page);
  await signIn(page, 'admin@demo.test');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All cases' }).click();
  await expect(page).toHaveURL('/cases');
  await expect(page).toHaveTitle('All cases · Casework');
  // Rendered by the server this time: the filter below runs on a page hydrated from
  // data without row text.
  await page.reload();
  await hydrated(page);
  const everyone = await page.getByTestId('match-count').innerText();
  await page.getByLabel('Assignee').selectOption('unassigned');
  await page.getByRole('button', { name: 'Apply', exact: true }).click();
  await expect(page).toHaveURL(/assignee=unassigned/);
  await expect(page.getByTestId('match-count')).not.toHaveText(everyone);
  await expect(page.getByTestId('export-csv')).toHaveAttribute('href', /^\/cases\.csv\?(.*&)?assignee=unassigned/);
  await expect(page.getByTestId('case-rows').locator('tr').first()).toBeVisible();
  expect(await blankRows(page)).toEqual([]);
});

test('employees have no team view', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await expect(page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'All cases' })).toHaveCount(0);
  const response = await page.goto('/cases');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('queue-error')).toContainText('Not allowed');
  await expect(page.getByTestId('case-rows').locator('tr')).toHaveCount(0);
});
