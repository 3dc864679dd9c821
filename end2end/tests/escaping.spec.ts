import { expect, test, type Page } from '@playwright/test';
import { EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

// Text that tries to close every element it could land in and run script: it must
// show as typed, in the page title, the edit boxes and the thread, and run nothing.
const PAYLOAD = `x"'></textarea></title><img src=x onerror="window.__xss='img'"><script>window.__xss='script'</script>`;

/** Fails the test on any dialog, and reports whether a payload's script ran. */
function watchScript(page: Page): () => Promise<unknown> {
  page.on('dialog', (dialog) => {
    throw new Error(`a dialog opened: ${dialog.message()}`);
  });
  return () => page.evaluate(() => (window as unknown as { __xss?: string }).__xss ?? null);
}

test('a case whose title and comment hold markup renders, hydrates and edits as plain text', async ({ page }) => {
  const errors = watchErrors(page);
  const ran = watchScript(page);
  await signIn(page, EMPLOYEE);
  await page.goto('/work?status=open&sort=created');
  const number = await page.getByTestId('case-rows').locator('tr').nth(6).getAttribute('data-number');
  expect(number).toBeTruthy();
  await page.goto(`/cases/${number}`);
  await hydrated(page);

  // Save the payload as the title, and post it as a comment.
  await page.locator('[data-field="title"]').fill(PAYLOAD);
  await page.getByTestId('save-case').click();
  await expect(page.getByTestId('case-title')).toHaveText(PAYLOAD);
  // A comment is Markdown: its HTML is sanitised away when shown (the script and its
  // text go), and its author's edit box holds exactly what was typed.
  const comments = page.getByTestId('comment');
  const before = await comments.count();
  await page.getByTestId('comment-input').fill(PAYLOAD);
  await page.getByTestId('post-comment').click();
  await expect(comments).toHaveCount(before + 1);
  await expect(comments.last().getByTestId('comment-body')).toHaveText(`x"'>`);

  // Server-rendered from here on: the title, the edit boxes, the thread.
  await page.reload();
  await hydrated(page);
  await expect(page).toHaveTitle(`#${number} ${PAYLOAD} · Casework`);
  await expect(page.getByTestId('case-title')).toHaveText(PAYLOAD);
  await expect(page.locator('[data-field="title"]')).toHaveValue(PAYLOAD);
  const mine = comments.last();
  await expect(mine.getByTestId('comment-body')).toHaveText(`x"'>`);
  await mine.getByText('Edit', { exact: true }).click();
  await expect(mine.locator('textarea[name="body"]')).toHaveValue(PAYLOAD);
  expect(await page.locator('img[src="x"]').count()).toBe(0);
  expect(await ran()).toBeNull();

  // A link carrying a draft in its address fills the composer with it as text.
  await page.goto(`/cases/${number}?draft=${encodeURIComponent(`\n${PAYLOAD}`)}`);
  await expect(page.getByTestId('comment-input')).toHaveValue(`\n${PAYLOAD}`);
  await hydrated(page);
  await expect(page.getByTestId('comment-input')).toHaveValue(`\n${PAYLOAD}`);
  expect(await ran()).toBeNull();

  // And it edits like any other title.
  await page.locator('[data-field="title"]').fill('Plain again');
  await page.getByTestId('save-case').click();
  await expect(page.getByTestId('case-title')).toHaveText('Plain again');
  await expect(page).toHaveTitle(`#${number} Plain again · Casework`);
  expect(await ran()).toBeNull();
  expect(errors).toEqual([]);
});
