import { expect, test, type APIRequestContext, type Page } from '@playwright/test';
import { hydrated } from './helpers';

// One mock identity at a time: these run one after another.
test.describe.configure({ mode: 'serial' });

const control = `http://127.0.0.1:${Number(process.env.OIDC_MOCK_PORT ?? 3190) + 1}/identity`;

async function googleSays(request: APIRequestContext, identity: Record<string, unknown>) {
  const response = await request.post(control, { data: identity });
  expect(response.ok()).toBeTruthy();
}

async function signInWithGoogle(page: Page, path = '/login') {
  await page.goto(path);
  await page.getByTestId('google-sign-in').click();
}

test('an existing user signs in with Google, from the button to the signed-in page', async ({ page, request }) => {
  await googleSays(request, { sub: 'g-analyst', email: 'analyst@demo.test', email_verified: true, name: 'Ash A.' });
  await page.goto('/companies');
  await expect(page).toHaveURL('/login?next=%2Fcompanies');
  await hydrated(page);
  await page.getByTestId('google-sign-in').click();
  await expect(page).toHaveURL('/companies');
  await expect(page.getByTestId('viewer-name')).toHaveText('Ash Analyst');
});

test('a new person from the Workspace domain joins as an employee', async ({ page, request }) => {
  const email = `g-${Date.now()}@demo.test`;
  await googleSays(request, { sub: `g-${email}`, email, email_verified: true, name: 'Gale Google' });
  await signInWithGoogle(page);
  await expect(page).toHaveURL('/');
  await expect(page.getByTestId('viewer-name')).toHaveText('Gale Google');
  await page.getByTestId('user-menu').click();
  await expect(page.getByTestId('viewer-role')).toHaveText('Employee');
});

test('an unverified email is refused and nobody is signed in', async ({ page, request }) => {
  await googleSays(request, { sub: 'g-unverified', email: 'employee@demo.test', email_verified: false, name: 'X' });
  await signInWithGoogle(page);
  await expect(page.getByTestId('login-error')).toContainText('not verified');
  await page.goto('/');
  await expect(page).toHaveURL('/login?next=%2F');
});

test('someone outside every workspace gets no account', async ({ page, request }) => {
  await googleSays(request, { sub: 'g-stranger', email: 'stranger@elsewhere.example', email_verified: true });
  await signInWithGoogle(page);
  await expect(page.getByTestId('login-error')).toContainText('no Casework account');
});

test('a tampered or replayed callback is refused', async ({ page, request }) => {
  await googleSays(request, { sub: 'g-employee', email: 'employee@demo.test', email_verified: true });
  // Start a real sign-in, but forge the state on the way back. Browsers follow
  // redirects themselves, so the click's request is routed and its two redirects
  // (ours to the provider, the provider's back to us) are walked here.
  await page.route('**/auth/google/start**', async (route) => {
    const ours = await route.fetch({ maxRedirects: 0 });
    const provider = await page.request.get(ours.headers()['location'], { maxRedirects: 0 });
    const back = new URL(provider.headers()['location']);
    back.searchParams.set('state', 'forged');
    await route.fulfill({ status: 302, headers: { ...ours.headers(), location: back.toString() } });
  });
  await signInWithGoogle(page);
  await expect(page.getByTestId('login-error')).toContainText('could not be verified');
  await page.unroute('**/auth/google/start**');
  // The pending sign-in was used up: replaying any callback now finds nothing to finish.
  await page.goto('/auth/google/callback?code=stolen&state=whatever');
  await expect(page.getByTestId('login-error')).toContainText('expired or was already used');
  await page.goto('/');
  await expect(page).toHaveURL('/login?next=%2F');
});
