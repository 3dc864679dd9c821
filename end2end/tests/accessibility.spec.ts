import AxeBuilder from '@axe-core/playwright';
import { expect, test, type Page } from '@playwright/test';
import { ADMIN, ANALYST, EMPLOYEE, hydrated, signIn } from './helpers';

// axe-core over every page each role opens, in its main states (filled, filtered,
// empty, refused, not found, a form's error, an open confirmation), in the light and
// the dark theme: no serious or critical violation of WCAG 2.1 A/AA anywhere.

test.describe.configure({ timeout: 300_000 });

type State = { path: string; name: string; then?: (page: Page) => Promise<void> };

async function scan(page: Page, where: string): Promise<string[]> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  return result.violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .flatMap((v) =>
      v.nodes.slice(0, 3).map((n) => `${where}: ${v.id} (${v.impact}) at ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1, 2).join('')}`),
    );
}

async function scanAll(page: Page, states: State[]) {
  const found: string[] = [];
  for (const scheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: scheme });
    for (const state of states) {
      const response = await page.goto(state.path);
      expect(response, state.path).not.toBeNull();
      await hydrated(page);
      if (state.then) await state.then(page);
      found.push(...(await scan(page, `${state.name} [${scheme}]`)));
    }
  }
  expect(found, found.join('\n')).toEqual([]);
}

/** The first link in the page's table whose address matches. */
async function firstLink(page: Page, path: string, pattern: RegExp): Promise<string> {
  await page.goto(path);
  const href = await page.locator('main a[href]').evaluateAll(
    (links, source) => links.map((a) => a.getAttribute('href') ?? '').find((h) => new RegExp(source).test(h)) ?? '',
    pattern.source,
  );
  expect(href, `a link like ${pattern} on ${path}`).not.toBe('');
  return href;
}

test('anonymous pages', async ({ page }) => {
  await scanAll(page, [
    { path: '/login', name: 'sign-in' },
    {
      path: '/login',
      name: 'sign-in, wrong password',
      then: async (p) => {
        await p.getByLabel('Email').fill(EMPLOYEE);
        await p.getByLabel('Password').fill('not the password');
        await p.getByRole('button', { name: 'Sign in' }).click();
        await expect(p.getByRole('alert')).toBeVisible();
      },
    },
    { path: '/contact/demo', name: 'inquiry form' },
    { path: '/contact/no-such-form', name: 'inquiry form not found' },
  ]);
});

test('what an employee opens', async ({ page }) => {
  await signIn(page, EMPLOYEE);
  await expect(page).toHaveURL('/');
  const caseLink = await firstLink(page, '/work', /^\/cases\/\d+/);
  await scanAll(page, [
    { path: '/', name: 'dashboard' },
    { path: '/work', name: 'my work' },
    { path: '/work?status=resolved&sort=created', name: 'my work, filtered' },
    { path: '/work?q=zzzqqqxxnothing', name: 'my work, empty' },
    { path: caseLink, name: 'a case' },
    {
      path: '/work',
      name: 'search results open',
      then: async (p) => {
        await p.keyboard.press('Control+K');
        await p.locator('#site-search').pressSequentially('my w');
        await expect(p.getByTestId('search-results').getByTestId('search-hit').first()).toBeVisible();
      },
    },
    {
      path: '/work',
      name: 'keyboard shortcuts open',
      then: async (p) => {
        await p.keyboard.press('Shift+Slash');
        await expect(p.getByTestId('shortcuts-help')).toBeVisible();
      },
    },
    { path: '/search?q=open', name: 'search page' },
    { path: '/search?q=zzzqqqxxnothing', name: 'search page, nothing found' },
    { path: '/notifications', name: 'notifications' },
    { path: '/notifications?unread=on', name: 'notifications, unread only' },
    {
      path: '/work',
      name: 'notification bell open',
      then: async (p) => {
        await p.getByTestId('notification-bell').locator('summary').click();
        await expect(p.getByTestId('bell-see-all')).toBeVisible();
        await expect(p.getByText('Loading…')).toHaveCount(0);
      },
    },
    {
      path: caseLink,
      name: 'a case, the @ list open',
      then: async (p) => {
        await p.getByTestId('comment-input').pressSequentially('@');
        await expect(p.getByTestId('mention-list')).toBeVisible();
      },
    },
    {
      path: caseLink,
      name: 'a case, the conflict dialog open',
      then: async (p) => {
        // A save from an older version of the case (as if someone saved meanwhile).
        await p.locator('[data-field="title"]').fill('A title changed meanwhile');
        await p.locator('input[name="version"]').evaluate((input) => ((input as HTMLInputElement).value = '0'));
        await p.getByTestId('save-case').click();
        await expect(p.getByTestId('conflict-dialog')).toBeVisible();
      },
    },
    { path: '/cases/new', name: 'new case' },
    {
      path: '/cases/new',
      name: 'new case, a field refused',
      then: async (p) => {
        const form = p.getByTestId('new-case');
        await form.evaluate((element) => element.setAttribute('novalidate', ''));
        await form.locator('[data-field="title"]').fill('Checked by axe');
        await form.locator('[data-field="customer_email"]').fill('not an address');
        await p.getByTestId('create-case').click();
        await expect(form.locator('[data-field-error="customer_email"]')).toBeVisible();
      },
    },
    { path: '/cases/99999999', name: 'case not found' },
    { path: '/admin/users', name: 'not allowed' },
    { path: '/no/such/page', name: 'page not found' },
  ]);
});

test('what an analyst opens', async ({ page }) => {
  await signIn(page, ANALYST);
  await expect(page).toHaveURL('/');
  const company = await firstLink(page, '/companies', /^\/companies\/\d+/);
  const list = await firstLink(page, '/lists', /^\/lists\/\d+/).catch(() => '/lists');
  await scanAll(page, [
    { path: '/', name: 'dashboard' },
    { path: '/companies', name: 'companies' },
    { path: '/companies?min_score=500', name: 'companies, refused filter' },
    { path: '/companies?q=zzzqqqxxnothing', name: 'companies, empty' },
    { path: company, name: 'a company' },
    { path: '/lists', name: 'lists' },
    { path: list, name: 'a list' },
    { path: '/contractors', name: 'contractors' },
    { path: '/contractors?q=zzzqqqxxnothing', name: 'contractors, empty' },
  ]);
});

test('what an admin opens', async ({ page }) => {
  await signIn(page, ADMIN);
  await expect(page).toHaveURL('/');
  await scanAll(page, [
    { path: '/', name: 'dashboard' },
    { path: '/cases', name: 'all cases' },
    {
      path: '/cases?status=open',
      name: 'all cases, apply-to-all confirmation open',
      then: async (p) => {
        await p.getByTestId('apply-all').click();
        await expect(p.getByTestId('apply-all-yes')).toBeVisible();
      },
    },
    { path: '/notifications', name: 'notifications' },
    { path: '/admin', name: 'admin' },
    { path: '/admin/users', name: 'users' },
    {
      path: '/admin/users',
      name: 'users, a refused new user',
      then: async (p) => {
        // An address already in use: the server refuses it, next to the form.
        const form = p.getByTestId('add-user-form');
        await form.getByLabel('Email').fill(ADMIN);
        await form.getByLabel('Name').fill('Someone');
        await form.getByRole('button').last().click();
        await expect(form.locator('[data-field-error="email"]')).toHaveText('Email is already in use.');
      },
    },
    { path: '/admin/usage', name: 'enrichment usage' },
    { path: '/admin/api-keys', name: 'API keys' },
    { path: '/admin/webhooks', name: 'webhooks' },
    { path: '/admin/inquiry-form', name: 'inquiry form settings' },
    { path: '/admin/system', name: 'system health' },
    { path: '/admin/integrations/zoho', name: 'Zoho CRM' },
    { path: '/imports/new', name: 'new import' },
  ]);
});
