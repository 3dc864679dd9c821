import { expect, test, type Page } from '@playwright/test';
import { ADMIN, hydrated, signIn, watchErrors } from './helpers';

// The server refuses a form sent back within INQUIRY_MIN_FILL_SECONDS (1 s in this
// suite's server) of the page opening: people take longer than that, and so do we.
async function fillInquiry(page: Page, subject: string, email = 'rosa@example.com') {
  const form = page.getByTestId('inquiry-form');
  await form.getByLabel('Your name').fill('Rosa Diaz');
  await form.getByLabel('Your email').fill(email);
  await form.getByLabel('Company (optional)').fill('Nine-Nine Ltd');
  await form.getByLabel('Subject').fill(subject);
  await form.getByLabel('Message').fill('The invoice for March was sent twice.\nPlease cancel one.');
  await page.waitForTimeout(1_100);
}

test('the public form without JavaScript creates a case that appears live in the team view', async ({ browser }) => {
  const admin = await (await browser.newContext()).newPage();
  const errors = watchErrors(admin);
  await signIn(admin, ADMIN);
  await admin.goto('/cases?source=web_form&sort=created');
  await hydrated(admin);

  // A stranger, no account, no scripts.
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto('/contact/demo');
  await expect(page.getByRole('heading', { name: 'Contact Demo Company' })).toBeVisible();
  const subject = `Invoice sent twice ${Date.now()}`;
  await fillInquiry(page, subject);
  await page.getByTestId('send-inquiry').click();
  await expect(page).toHaveURL(/\/contact\/demo\/sent\?reference=\d+$/);
  await expect(page.getByTestId('inquiry-reference')).toHaveText(/^#\d+$/);
  const reference = (await page.getByTestId('inquiry-reference').textContent())!.slice(1);
  await context.close();

  // Announced live to the admin's team view, under its source.
  await expect(admin.getByTestId('cases-arrived')).toContainText(/\d+ new cases? arrived\./);
  await admin.getByTestId('cases-arrived').getByRole('link', { name: 'Show them' }).click();
  await expect(admin.getByText(subject)).toBeVisible();
  // The case has the message as its first comment, by the sender.
  await admin.goto(`/cases/${reference}`);
  await expect(admin.getByTestId('case-title')).toHaveText(subject);
  await expect(admin.getByTestId('comment').first()).toContainText('Rosa Diaz (web form)');
  await expect(admin.getByTestId('comment').first()).toContainText('sent twice');
  expect(errors).toEqual([]);
});

test('with JavaScript a refused inquiry keeps what was typed, then goes through', async ({ page }) => {
  const errors = watchErrors(page);
  await page.goto('/contact/demo');
  await hydrated(page);
  await fillInquiry(page, 'Delivery missing', 'rosa-at-example');
  const form = page.getByTestId('inquiry-form');
  // The browser's own check would stop the post: take it off to reach the server's.
  await form.evaluate((element) => element.setAttribute('novalidate', ''));
  await page.getByTestId('send-inquiry').click();
  // Beside the field, in words, and the focus taken there.
  await expect(form.locator('[data-field-error="email"]')).toHaveText('Your email is not an email address.');
  await expect(form.getByLabel('Your email')).toBeFocused();
  await expect(page.getByTestId('inquiry-error')).toHaveCount(0);
  await expect(form.getByLabel('Your email')).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByLabel('Message')).toHaveValue(/sent twice/);

  await form.getByLabel('Your email').fill('rosa@example.com');
  await page.getByTestId('send-inquiry').click();
  await expect(page).toHaveURL(/\/contact\/demo\/sent\?reference=\d+$/);
  await expect(page.getByTestId('inquiry-sent')).toContainText('Your reference is #');
  expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
});

test('an admin words the form and chooses who takes inquiries', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, ADMIN);
  await page.goto('/admin');
  await page.getByRole('link', { name: /Inquiry form/ }).click();
  await expect(page).toHaveURL(/\/admin\/inquiry-form$/);
  await hydrated(page);
  const settings = page.getByTestId('inquiry-settings');
  await expect(page.getByTestId('inquiry-address')).toHaveText('/contact/demo');
  const intro = `Write to us about orders <b>and</b> invoices (${Date.now()}).`;
  await settings.getByLabel('Introduction (shown above the form)').fill(intro);
  // Round robin with nobody chosen is refused, and nothing changes.
  await settings.getByLabel(/Assign them in turn/).check();
  for (const box of await page.getByTestId('inquiry-people').getByRole('checkbox').all()) await box.uncheck();
  await page.getByTestId('save-inquiry-settings').click();
  // Said under the list of people it is about.
  await expect(settings.locator('[data-field-error="people"]')).toHaveText('People: choose at least one person to assign inquiries to in turn.');
  await expect(page.getByTestId('inquiry-flash')).toHaveCount(0);
  await settings.getByLabel(/Leave them unassigned/).check();
  await page.getByTestId('save-inquiry-settings').click();
  await expect(page.getByTestId('inquiry-flash')).toHaveText('Saved.');

  const visitor = await (await page.context().browser()!.newContext()).newPage();
  await visitor.goto('/contact/demo');
  // Shown as text, never as markup.
  await expect(visitor.getByTestId('inquiry-intro')).toHaveText(intro);
  expect(errors).toEqual(['console: Failed to load resource: the server responded with a status of 422 (Unprocessable Entity)']);
});
