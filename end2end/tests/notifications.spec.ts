import { expect, test, type Browser, type Page } from '@playwright/test';
import { ADMIN, EMPLOYEE, hydrated, signIn, watchErrors } from './helpers';

// One person's notifications: these tests take turns. Other files may still notify the
// demo employee meanwhile (an admin commenting on their case), so each check follows
// one notification, not the totals.
test.describe.configure({ mode: 'serial' });

async function signedIn(browser: Browser, email: string): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, email);
  return page;
}

/** One of the demo employee's open cases, newest first (the bulk tests use archived ones). */
async function anOpenCase(page: Page): Promise<string> {
  await page.goto('/work?status=open&sort=created');
  const number = await page.getByTestId('case-rows').locator('tr').nth(3).getAttribute('data-number');
  expect(number).toBeTruthy();
  return number as string;
}

function unreadBadge(page: Page) {
  return page.getByTestId('notification-bell').getByTestId('unread-count');
}

async function unreadNow(page: Page): Promise<number> {
  const badge = unreadBadge(page);
  if ((await badge.count()) === 0) return 0;
  const text = await badge.innerText();
  return text === '99+' ? 100 : Number(text);
}

test('a mention, chosen from the @ list, reaches the person live; read state follows them across tabs', async ({ browser }) => {
  const employee = await signedIn(browser, EMPLOYEE);
  const errors = watchErrors(employee);
  const number = await anOpenCase(employee);
  // The employee has two tabs open: the queue and the notifications page.
  await employee.goto('/work');
  await hydrated(employee);
  const before = await unreadNow(employee);
  const second = await employee.context().newPage();
  await second.goto('/notifications');
  await hydrated(second);

  // The admin writes on the case, choosing the employee from the @ list with the keys.
  const admin = await signedIn(browser, ADMIN);
  await admin.goto(`/cases/${number}`);
  await hydrated(admin);
  const box = admin.getByTestId('comment-input');
  await box.click();
  await box.pressSequentially('Could you call them back, @Eme');
  const list = admin.getByTestId('mention-list');
  await expect(list).toBeVisible();
  await expect(list.getByTestId('mention-option')).toHaveText(['Emery Employee']);
  await expect(box).toHaveAttribute('aria-activedescendant', /mentions-\d+-0/);
  await box.press('Enter');
  await expect(list).toBeHidden();
  await expect(box).toHaveValue('Could you call them back, @Emery Employee ');
  await box.pressSequentially('today?');
  await admin.getByTestId('post-comment').click();
  await expect(admin.getByTestId('comment').last()).toContainText('@Emery Employee today?');

  // Live in the tab in front (the notifications page): the bell's count goes up, the
  // page lists it, without a reload.
  await expect.poll(() => unreadNow(second)).toBeGreaterThan(before);
  const mention = second
    .getByTestId('notification-list')
    .getByTestId('notification')
    .filter({ hasText: `Avery Admin mentioned you on #${number}` })
    .first();
  await expect(mention).toContainText('Could you call them back');
  await expect(mention).toHaveAttribute('data-unread', 'true');
  // The tab behind closed its stream while hidden; brought to the front, it catches up.
  await employee.bringToFront();
  await expect.poll(() => unreadNow(employee)).toBeGreaterThan(before);
  const counted = await unreadNow(employee);

  // Opened from the bell in the first tab: it goes to the case and is read there…
  await employee.getByTestId('notification-bell').locator('summary').click();
  const item = employee
    .getByTestId('bell-items')
    .getByTestId('notification')
    .filter({ hasText: `mentioned you on #${number}` })
    .first();
  await item.getByRole('button').click();
  await expect(employee).toHaveURL(`/cases/${number}`);
  await expect.poll(() => unreadNow(employee)).toBeLessThan(counted);
  // …and in the other tab, without a reload.
  await second.bringToFront();
  await expect(mention).toHaveAttribute('data-unread', 'false');
  expect(errors).toEqual([]);
  await admin.context().close();
  await employee.context().close();
});

test('the notifications page works without JavaScript: list, mark all read, settings', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, EMPLOYEE);
  await page.goto('/notifications');
  await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();
  // Mark all as read: everything the page showed is read after it.
  const markAll = page.getByTestId('mark-all-read');
  if (await markAll.count()) {
    const shown = await page
      .getByTestId('notification-list')
      .locator('[data-testid=notification] input[name=id]')
      .evaluateAll((inputs) => inputs.map((i) => (i as HTMLInputElement).value));
    await Promise.all([page.waitForNavigation(), markAll.getByRole('button').click()]);
    await expect(page).toHaveURL(/\/notifications$/);
    for (const id of shown) {
      const item = page.locator(`[data-testid=notification]:has(input[name=id][value="${id}"])`);
      await expect(item).toHaveAttribute('data-unread', 'false');
    }
  }
  await page.goto('/notifications?unread=on');
  await expect(page.getByRole('heading', { name: 'Notifications', level: 1 })).toBeVisible();

  // Settings: untick comments, save, and the page says so and keeps it.
  await page.goto('/notifications');
  const comments = page.getByLabel('Someone comments on a case of mine');
  await expect(comments).toBeChecked();
  await comments.uncheck();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page).toHaveURL(/saved=1/);
  await expect(page.getByTestId('settings-status')).toHaveText('Saved.');
  await expect(page.getByLabel('Someone comments on a case of mine')).not.toBeChecked();
  await expect(page.getByLabel('Someone mentions me (@name) in a comment')).toBeChecked();
  // Put back for the other tests.
  await page.getByLabel('Someone comments on a case of mine').check();
  await page.getByRole('button', { name: 'Save settings' }).click();
  await expect(page.getByLabel('Someone comments on a case of mine')).toBeChecked();
  await context.close();
});

test('Escape closes the bell and gives focus back to it', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await page.goto('/work');
  await hydrated(page);
  const summary = page.getByTestId('notification-bell').locator('summary');
  await summary.click();
  await expect(page.getByTestId('bell-see-all')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('bell-see-all')).toBeHidden();
  await expect(summary).toBeFocused();
});
