import { expect, type Page } from '@playwright/test';

export const DEMO_PASSWORD = 'casework-demo';
export const ADMIN = 'admin@demo.test';
export const EMPLOYEE = 'employee@demo.test';
export const ANALYST = 'analyst@demo.test';

// Collects what the browser reports as broken (hydration panics, failed scripts) so
// each test can assert the page ran cleanly.
export function watchErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

export async function hydrated(page: Page) {
  await expect(page.locator('html')).toHaveAttribute('data-hydrated', 'true');
}

/** Signs in through the real form, as a person would. */
export async function signIn(page: Page, email: string, password = DEMO_PASSWORD, path = '/login') {
  await page.goto(path);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}

/**
 * Records, from the first byte of every document the page loads, each moment the queue
 * table shows a row without its number or title. The first load's data carries no row
 * text (the server wrote it as HTML), so a table rebuilt from that data alone would show
 * exactly such rows. Read what was seen with `blankRows` (an empty list when none was).
 */
export async function watchBlankRows(page: Page) {
  await page.addInitScript(() => {
    const w = window as unknown as { __blankRows: string[] };
    w.__blankRows = [];
    const check = () => {
      // While the document is still being parsed, a row can be seen half-read.
      if (document.readyState === 'loading') return;
      for (const row of document.querySelectorAll('table.q-table > tbody > tr')) {
        const title = row.querySelector('td:nth-child(3) > a')?.textContent?.trim() ?? '';
        if (title === '' || (row.getAttribute('data-number') ?? '') === '') {
          if (w.__blankRows.length < 5) w.__blankRows.push(`${location.href}: ${row.outerHTML.slice(0, 300)}`);
        }
      }
    };
    new MutationObserver(check).observe(document, { childList: true, subtree: true });
  });
}

export async function blankRows(page: Page): Promise<string[]> {
  return page.evaluate(() => (window as unknown as { __blankRows: string[] }).__blankRows);
}
