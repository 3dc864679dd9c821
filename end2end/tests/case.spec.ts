import { expect, test, type Browser, type Page } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

async function personOn(browser: Browser, email: string, path: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  await page.goto(path);
  await hydrated(page);
  return page;
}

/** One of the demo employee's open cases (not archived: the bulk tests own those). */
async function anOpenCase(page: Page, nth: number): Promise<string> {
  await page.goto('/work?status=open&sort=created');
  const number = await page.getByTestId('case-rows').locator('tr').nth(nth).getAttribute('data-number');
  expect(number).toBeTruthy();
  return number as string;
}

test('two people on one case: live changes, a conflict resolved, a comment arriving', async ({ browser }) => {
  const employee = await personOn(browser, EMPLOYEE, '/work');
  const errors = watchErrors(employee);
  const number = await anOpenCase(employee, 0);
  await employee.goto(`/cases/${number}`);
  await hydrated(employee);
  const admin = await personOn(browser, ADMIN, `/cases/${number}`);
  const originalTitle = await employee.getByTestId('case-title').innerText();

  // The employee starts an edit and leaves it unsaved.
  const title = employee.locator('[data-field="title"]');
  await title.fill('Kettle refund — customer sent photos');
  await expect(employee.getByTestId('unsaved')).toBeVisible();

  // Meanwhile the admin sets the status and saves.
  await admin.locator('select[data-field="status"]').selectOption('pending');
  await admin.getByTestId('save-case').click();
  await expect(admin.getByTestId('case-status')).toHaveAttribute('data-status', 'pending');
  // The save says so.
  await expect(admin.getByTestId('saved')).toHaveText('Saved');

  // The change arrives for the employee without a reload: the header updates, and the
  // unsaved title is kept, with a note saying who changed the case.
  await expect(employee.getByTestId('case-status')).toHaveAttribute('data-status', 'pending');
  await expect(employee.getByTestId('changed-under')).toContainText('Avery Admin');
  // Said to screen readers too, by a live region that was on the page from the start.
  await expect(employee.getByTestId('case-announcer')).toHaveText('Status changed to Pending');
  await expect(employee.getByTestId('case-announcer')).toHaveAttribute('aria-live', 'polite');
  await expect(title).toHaveValue('Kettle refund — customer sent photos');

  // Saving meets the newer version: the dialog shows both values and where they began.
  await employee.getByTestId('save-case').click();
  const dialog = employee.getByTestId('conflict-dialog');
  await expect(dialog).toBeVisible();
  // A modal dialog: the keyboard starts in it, and Escape closes it deciding nothing
  // (the edit is still there, focus back on Save), so saving asks again.
  await expect(dialog.getByTestId('keep-mine')).toBeFocused();
  await employee.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(employee.getByTestId('save-case')).toBeFocused();
  await expect(title).toHaveValue('Kettle refund — customer sent photos');
  await employee.getByTestId('save-case').click();
  await expect(dialog).toBeVisible();
  const statusRow = dialog.locator('[data-testid="conflict-row"][data-field="status"]');
  await expect(statusRow.getByTestId('conflict-started')).toHaveText('Open');
  await expect(statusRow.getByTestId('conflict-theirs')).toHaveText('Pending');
  const titleRow = dialog.locator('[data-testid="conflict-row"][data-field="title"]');
  await expect(titleRow.getByTestId('conflict-yours')).toHaveText('Kettle refund — customer sent photos');
  await expect(titleRow.getByTestId('conflict-theirs')).toHaveText(originalTitle);

  // Keep mine: my title, saved on their version — their status survives.
  await employee.getByTestId('keep-mine').click();
  await expect(dialog).toBeHidden();
  await expect(employee.getByTestId('case-title')).toHaveText('Kettle refund — customer sent photos');
  await expect(employee.getByTestId('case-status')).toHaveAttribute('data-status', 'pending');
  // And the admin's page follows.
  await expect(admin.getByTestId('case-title')).toHaveText('Kettle refund — customer sent photos');

  // The employee's queue, open in another tab, will mark the case when it changes.
  const queue = await employee.context().newPage();
  await queue.goto('/work?sort=created');
  await hydrated(queue);
  const row = queue.locator(`[data-testid="case-rows"] > tr[data-number="${number}"]`);
  await expect(row).toBeVisible();
  await expect(row.getByTestId('row-changed')).toHaveCount(0);

  // A comment from the admin appears for the employee without a reload.
  await admin.getByTestId('comment-input').fill('Refund **approved**, go ahead.');
  await admin.getByTestId('post-comment').click();
  const arrived = employee.getByTestId('comment-body').filter({ hasText: 'Refund approved, go ahead.' });
  await expect(arrived).toBeVisible();
  await expect(arrived.locator('strong')).toHaveText('approved');
  await expect(employee.getByTestId('case-announcer')).toHaveText('New comment from Avery Admin');
  await expect(row.getByTestId('row-changed')).toBeVisible();

  // The activity tab has every step in words.
  await employee.getByRole('link', { name: 'Activity' }).click();
  await expect(employee.getByTestId('activity-entry').first()).toContainText('commented');
  await expect(employee.getByTestId('activity')).toContainText('changed the status from Open to Pending');
  // The browser logs the stale save's 409 as a failed resource; that one was expected.
  expect(errors.filter((e) => !e.includes('409 (Conflict)'))).toEqual([]);
});

test("a comment's Markdown looks like what it means, in both themes", async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const number = await anOpenCase(page, 2);
  await page.goto(`/cases/${number}`);
  await hydrated(page);
  const token = `md-${Date.now()}`;
  await page.getByTestId('comment-input').fill(
    `${token}\n\n- first point\n- second point\n\n> what the customer wrote\n\nSee [the policy](https://example.com/policy) and \`code\`.`,
  );
  await page.getByTestId('post-comment').click();
  const body = page.getByTestId('comment-body').filter({ hasText: token });
  await expect(body).toBeVisible();
  for (const theme of ['light', 'dark']) {
    await page.evaluate((t) => document.documentElement.setAttribute('data-theme', t), theme);
    const looks = await body.evaluate((el) => {
      const style = (selector: string) => getComputedStyle(el.querySelector(selector)!);
      const text = getComputedStyle(el);
      return {
        bullets: style('ul').listStyleType,
        indent: parseFloat(style('ul').paddingLeft),
        bar: parseFloat(style('blockquote').borderLeftWidth),
        underline: style('a').textDecorationLine,
        linkColour: style('a').color,
        textColour: text.color,
        code: style('code').fontFamily,
      };
    });
    expect(looks.bullets, theme).toBe('disc');
    expect(looks.indent, theme).toBeGreaterThan(8);
    expect(looks.bar, theme).toBeGreaterThanOrEqual(3);
    expect(looks.underline, theme).toContain('underline');
    expect(looks.linkColour, theme).not.toBe(looks.textColour);
    expect(looks.code, theme).toContain('mono');
  }
});

test('an unsent comment survives a reload and is cleared once posted', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const number = await anOpenCase(page, 1);
  await page.goto(`/cases/${number}`);
  await hydrated(page);
  const composer = page.getByTestId('comment-input');
  await composer.fill('Half-written reply to the customer');
  await page.reload();
  await hydrated(page);
  await expect(composer).toHaveValue('Half-written reply to the customer');

  await page.getByTestId('post-comment').click();
  await expect(page.getByTestId('comment-body').filter({ hasText: 'Half-written reply to the customer' })).toBeVisible();
  await expect(composer).toHaveValue('');
  await page.reload();
  await hydrated(page);
  await expect(composer).toHaveValue('');
});

test("someone else's case is not found", async ({ page }) => {
  await signIn(page, EMPLOYEE);
  const response = await page.goto('/cases/999999');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('case-missing')).toContainText('not in your queue');
});

test('an admin finds someone by name and gives them the case', async ({ page }) => {
  await signIn(page, ADMIN);
  // An unassigned case (nobody's queue is disturbed), given to the admin herself.
  await page.goto('/cases?assignee=unassigned&sort=created');
  const number = await page.getByTestId('case-rows').locator('tr').first().getAttribute('data-number');
  await page.goto(`/cases/${number}`);
  await hydrated(page);
  await expect(page.getByTestId('case-assignee')).toHaveText('Unassigned');
  await page.getByTestId('person-search').fill('Aver');
  await page.getByTestId('person-results').getByRole('button', { name: 'Avery Admin' }).click();
  await expect(page.locator('select[data-field="assignee_id"]')).toHaveValue(/[0-9a-f-]{36}/);
  await page.getByTestId('save-case').click();
  await expect(page.getByTestId('case-assignee')).toHaveText('Avery Admin');
  await page.getByRole('link', { name: 'Activity' }).click();
  await expect(page.getByTestId('activity')).toContainText('assigned the case to Avery Admin');
});
