import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { expect, test } from '@playwright/test';
import { ADMIN, hydrated, signIn, watchErrors } from './helpers';

type Received = { headers: IncomingHttpHeaders; body: string };

/** A receiver on 127.0.0.1 (the e2e server may reach loopback), recording what it gets. */
async function receiver(): Promise<{ url: string; got: Received[]; close: () => void }> {
  const got: Received[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => (body += chunk));
    request.on('end', () => {
      got.push({ headers: request.headers, body });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks`, got, close: () => server.close() };
}

/** What any Standard Webhooks receiver does, written here independently of the server. */
function verifies(secret: string, { headers, body }: Received): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signed = `${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`;
  const expected = createHmac('sha256', key).update(signed).digest('base64');
  return String(headers['webhook-signature']).split(' ').includes(`v1,${expected}`);
}

test('an admin adds an endpoint; a new case reaches it signed; the log shows it; resend; delete', async ({ page }) => {
  const errors = watchErrors(page);
  const hook = await receiver();
  try {
    await signIn(page, ADMIN);
    await page.goto('/admin/webhooks');
    await hydrated(page);
    await page.getByLabel('Address').fill(hook.url);
    await page.getByLabel('Description (optional)').fill('e2e receiver');
    await page.getByLabel('A case is created').check();
    await page.getByRole('button', { name: 'Add the endpoint' }).click();
    const secretField = page.getByTestId('webhook-secret');
    await expect(secretField).toHaveValue(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const secret = await secretField.inputValue();
    const endpoint = page.getByTestId('webhook-endpoint').filter({ hasText: hook.url });
    await expect(endpoint).toContainText('case.created');
    const endpointId = await endpoint.getAttribute('data-id');

    const title = `Webhook e2e ${Date.now()}`;
    await page.goto('/cases/new');
    await hydrated(page);
    const form = page.getByTestId('new-case');
    await form.locator('[data-field="title"]').fill(title);
    await form.locator('[data-field="customer_name"]').fill('Rosa Webhook');
    await page.getByTestId('create-case').click();
    await expect(page).toHaveURL(/\/cases\/\d+$/);

    // Other tests create cases too: this one's event is the one with its title.
    const mine = () => hook.got.filter((r) => JSON.parse(r.body).data?.case?.title === title);
    await expect.poll(() => mine().length, { timeout: 20_000 }).toBe(1);
    const [delivery] = mine();
    expect(JSON.parse(delivery.body).type).toBe('case.created');
    expect(verifies(secret, delivery)).toBe(true);
    expect(verifies(secret, { ...delivery, body: delivery.body.replace(title, 'tampered') })).toBe(false);

    // The log: delivered, the receiver's status; then resent, the same event again.
    await page.goto(`/admin/webhooks?endpoint=${endpointId}`);
    const row = page.getByTestId('webhook-delivery').filter({ hasText: 'case.created' }).last();
    await expect(async () => {
      await page.reload();
      await expect(page.getByTestId('webhook-delivery').first()).toHaveAttribute('data-state', 'delivered');
    }).toPass({ timeout: 20_000 });
    await hydrated(page);
    await expect(page.getByTestId('webhook-deliveries')).toContainText('HTTP 204');
    const before = hook.got.length;
    await row.getByRole('button', { name: /^Resend / }).click();
    await expect.poll(() => hook.got.length, { timeout: 20_000 }).toBeGreaterThan(before);
    const ids = new Set(hook.got.map((r) => r.headers['webhook-id']));
    expect(hook.got.some((r, i) => i >= before && ids.has(r.headers['webhook-id']))).toBe(true);

    await page.goto('/admin/webhooks');
    await hydrated(page);
    await endpoint.getByText('Delete…').click();
    await endpoint.getByRole('button', { name: 'Delete the endpoint' }).click();
    await expect(page.getByTestId('webhook-endpoint').filter({ hasText: hook.url })).toHaveCount(0);
    expect(errors).toEqual([]);
  } finally {
    hook.close();
  }
});

test('without JavaScript a private address is refused with the reason, and nothing is added', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, ADMIN);
  await page.goto('/admin/webhooks');
  // The other webhook test may add endpoints meanwhile (same workspace): look for this one.
  const refused = page.getByTestId('webhook-endpoint').filter({ hasText: '10.0.0.7' });
  await expect(refused).toHaveCount(0);
  await page.getByLabel('Address').fill('http://10.0.0.7/hooks');
  await page.getByLabel('A case gets a comment').check();
  await page.getByRole('button', { name: 'Add the endpoint' }).click();
  await expect(page).toHaveURL(/\/admin\/webhooks\?/);
  // Beside the address, in words, with the page rendered by the server alone.
  await expect(page.locator('[data-field-error="url"]')).toContainText('The address leads inside a private network');
  await expect(page.getByLabel('Address')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Address')).toHaveValue('http://10.0.0.7/hooks');
  await expect(refused).toHaveCount(0);
  await page.reload();
  await expect(refused).toHaveCount(0);
  await context.close();
});
