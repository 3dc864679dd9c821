import { execFileSync } from 'node:child_process';
import { expect, test } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn } from './helpers';

/** Runs SQL as the database's owner (to break and mend the database under a test). */
function sql(statement: string) {
  const url = process.env.CASEWORK_E2E_DATABASE_URL;
  if (!url) throw new Error('CASEWORK_E2E_DATABASE_URL is not set');
  execFileSync('psql', [url, '-q', '-v', 'ON_ERROR_STOP=1', '-c', statement]);
}

/** 300 cases; rows 3 and 5 (file rows 4 and 6) cannot be imported. */
function casesFile(stamp: number): string {
  const lines = ['Ref,Subject,Customer,E-mail,Priority'];
  for (let i = 1; i <= 300; i++) {
    const subject = i === 3 ? '' : `Imported e2e ${stamp} #${i}`;
    const priority = i === 5 ? 'hot' : ['low', 'normal', 'high'][i % 3];
    lines.push(`E2E-${stamp}-${i},"${subject}","Customer ${i}",c${i}@example.com,${priority}`);
  }
  return lines.join('\n') + '\n';
}

test('an admin uploads cases, checks the match, sees the bad rows, imports with progress to 100 %', async ({ page }) => {
  const stamp = Date.now();
  await signIn(page, ADMIN);
  await page.goto('/cases');
  await hydrated(page);
  await page.getByTestId('import-csv').click();
  await expect(page).toHaveURL(/\/imports\/new\?kind=cases$/);
  await page.getByLabel('CSV file').setInputFiles({
    name: 'cases.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(casesFile(stamp)),
  });
  await page.getByRole('button', { name: 'Upload and match the columns' }).click();
  await expect(page).toHaveURL(/\/imports\/\d+$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('cases.csv');

  // Matched by header; the preview shows the first rows.
  const mapping = page.getByTestId('import-mapping');
  await expect(mapping.locator('[data-field="title"]')).toHaveValue('1');
  await expect(mapping.locator('[data-field="customer_email"]')).toHaveValue('3');
  await expect(mapping.locator('[data-field="external_id"]')).toHaveValue('0');
  await expect(page.getByTestId('import-preview')).toContainText(`Imported e2e ${stamp} #1`);
  await hydrated(page);
  await page.getByRole('button', { name: /^Check every row/ }).click();

  await expect(page.getByTestId('import-check-counts')).toHaveText('298 rows can be imported; 2 cannot (listed below).', { timeout: 20_000 });
  const errors = page.getByTestId('import-error-row');
  await expect(errors).toHaveCount(2);
  await expect(errors.nth(0)).toContainText('4');
  await expect(errors.nth(0)).toContainText('a case needs a title');
  await expect(errors.nth(1)).toContainText('“hot” is not a priority');
  const report = await page.request.get(await page.getByTestId('import-error-report').getAttribute('href') ?? '');
  expect(report.status()).toBe(200);
  expect(await report.text()).toContain('6,priority,');

  await page.getByRole('button', { name: 'Import 298 rows' }).click();
  await expect(page.getByTestId('import-counts')).toHaveText('298 cases added, 0 updated, 2 rows left out.', { timeout: 30_000 });

  await page.goto(`/cases?q=${stamp}&source=import`);
  await expect(page.getByTestId('match-count')).toHaveText('298 cases');
});

test('without JavaScript a file with semicolons is refused with the reason', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, ADMIN);
  await page.goto('/imports/new?kind=cases');
  await page.getByLabel('CSV file').setInputFiles({
    name: 'semicolons.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from('title;customer\nLeak;Bo\n'),
  });
  await page.getByRole('button', { name: 'Upload and match the columns' }).click();
  await expect(page).toHaveURL(/\/imports\/new\?kind=cases&error=/);
  await expect(page.getByTestId('import-error')).toContainText('separates its columns with “;”');
  await context.close();
});

test('an employee is not offered the import and is refused it', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await page.goto('/work');
  await expect(page.getByTestId('import-csv')).toHaveCount(0);
  const response = await page.request.post('/imports', {
    multipart: {
      kind: 'cases',
      file: { name: 'x.csv', mimeType: 'text/csv', buffer: Buffer.from('title\nx\n') },
    },
    headers: { origin: new URL(page.url()).origin },
  });
  expect(response.status()).toBe(403);
});

test('an import the database keeps failing stops with what is in, and resumes after it', async ({ page }) => {
  test.setTimeout(90_000);
  const stamp = Date.now();
  // Open, not new: 2,500 new cases would crowd other tests' new-case views.
  const lines = ['Subject,Customer,E-mail,Status'];
  for (let i = 1; i <= 2500; i++) lines.push(`Resumed e2e ${stamp} #${i},Customer ${i},r${i}@example.com,open`);
  // The database refuses one row of the second batch, on every try.
  const trigger = `refuse_${stamp}`;
  sql(`CREATE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
       BEGIN IF NEW.title = 'Resumed e2e ${stamp} #1500' THEN RAISE EXCEPTION 'no room'; END IF; RETURN NEW; END $$;
       CREATE TRIGGER ${trigger} BEFORE INSERT ON cases FOR EACH ROW EXECUTE FUNCTION ${trigger}();`);
  try {
    await signIn(page, ADMIN);
    await page.goto('/imports/new?kind=cases');
    await page.getByLabel('CSV file').setInputFiles({
      name: 'resume.csv',
      mimeType: 'text/csv',
      buffer: Buffer.from(lines.join('\n') + '\n'),
    });
    await page.getByRole('button', { name: 'Upload and match the columns' }).click();
    await expect(page).toHaveURL(/\/imports\/\d+$/);
    await hydrated(page);
    await page.getByRole('button', { name: /^Check every row/ }).click();
    await page.getByRole('button', { name: 'Import 2500 rows' }).click({ timeout: 20_000 });

    // Five tries (backing off), then said on the page, with what is in.
    const stopped = page.getByTestId('import-stopped');
    await expect(stopped).toContainText('The import stopped before the end', { timeout: 45_000 });
    await expect(stopped.getByTestId('import-counts')).toHaveText(
      '1000 of 2500 rows handled: 1000 cases added, 0 updated, 0 rows left out.',
    );
    await expect(page.getByTestId('import-mapping')).toHaveCount(0);
  } finally {
    sql(`DROP TRIGGER IF EXISTS ${trigger} ON cases; DROP FUNCTION IF EXISTS ${trigger}();`);
  }
  await page.getByRole('button', { name: 'Resume the import' }).click();
  await expect(page.getByTestId('import-counts')).toHaveText('2500 cases added, 0 updated, 0 rows left out.', { timeout: 30_000 });
  await page.goto(`/cases?q=${stamp}&source=import`);
  await expect(page.getByTestId('match-count')).toHaveText('2,500 cases');
});
