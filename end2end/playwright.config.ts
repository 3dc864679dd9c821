import { defineConfig, devices } from '@playwright/test';

// The release build, started fresh against its own database (scripts/test.sh makes
// it), driven by Debian's Chromium: Playwright's own browser download is not
// available here.
const port = Number(process.env.CASEWORK_E2E_PORT ?? 3100);
const baseURL = `http://127.0.0.1:${port}`;
// The stand-in for Google (end2end/oidc-mock.mjs); its control endpoint is on oidc + 1.
const oidc = Number(process.env.OIDC_MOCK_PORT ?? 3190);
// A company website for enrichment (end2end/fixture-site.mjs).
export const fixtureSitePort = Number(process.env.FIXTURE_SITE_PORT ?? 3195);
// The fake Zoho CRM (the `fake-zoho` binary of the zoho crate), accounts and API.
export const fakeZohoPort = Number(process.env.FAKE_ZOHO_PORT ?? 3196);

export default defineConfig({
  testDir: './tests',
  outputDir: './test-results',
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 2,
  timeout: 30_000,
  reporter: 'list',
  use: {
    baseURL,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { ...devices['Desktop Chrome'] } }],
  webServer: [
  {
    command: 'node oidc-mock.mjs',
    url: `http://127.0.0.1:${oidc + 1}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { OIDC_MOCK_PORT: String(oidc) },
  },
  {
    command: 'node fixture-site.mjs',
    url: `http://127.0.0.1:${fixtureSitePort}/health`,
    reuseExistingServer: false,
    timeout: 30_000,
    env: { FIXTURE_SITE_PORT: String(fixtureSitePort) },
  },
  {
    command: `"${process.env.FAKE_ZOHO_BIN}" --addr 127.0.0.1:${fakeZohoPort} --contacts 150 --latency-ms 5`,
    url: `http://127.0.0.1:${fakeZohoPort}/_fake/state`,
    reuseExistingServer: false,
    timeout: 30_000,
  },
  {
    command: `"${process.env.CASEWORK_BIN}" serve`,
    url: `${baseURL}/api/health`,
    reuseExistingServer: false,
    timeout: 60_000,
    stdout: 'ignore',
    stderr: 'pipe',
    env: {
      DATABASE_URL: process.env.CASEWORK_E2E_DATABASE_URL ?? '',
      LEPTOS_SITE_ADDR: `127.0.0.1:${port}`,
      LEPTOS_SITE_ROOT: process.env.CASEWORK_SITE_ROOT ?? '../target/site',
      LOG_LEVEL: 'warn',
      // Every test signs in from 127.0.0.1; the limits themselves are tested in Rust.
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '10000',
      LOGIN_ATTEMPTS_PER_EMAIL_PER_MINUTE: '10000',
      // The whole suite runs as a handful of people from one address, faster than any
      // person clicks; the route-class limits are tested in Rust (tests/rate_limits.rs).
      RATE_LIMIT_READS: 'free=100000/min',
      RATE_LIMIT_WRITES: 'free=100000/min',
      RATE_LIMIT_TENANT: 'free=100000/min',
      RATE_LIMIT_ANONYMOUS: '100000/min',
      RATE_LIMIT_STATIC: '100000/min',
      // The inquiry form's 5/min per address is tested in Rust (tests/inquiry_form.rs);
      // its minimum fill time is kept, shorter.
      RATE_LIMIT_FORM: '1000/min',
      INQUIRY_MIN_FILL_SECONDS: '1',
      GOOGLE_CLIENT_ID: 'casework-e2e',
      GOOGLE_CLIENT_SECRET: 'casework-e2e-secret',
      GOOGLE_AUTH_URL: `http://127.0.0.1:${oidc}/authorize`,
      GOOGLE_TOKEN_URL: `http://127.0.0.1:${oidc}/token`,
      GOOGLE_USERINFO_URL: `http://127.0.0.1:${oidc}/userinfo`,
      // Enrichment may fetch the local fixture site (never set this in production).
      FETCH_ALLOW_LOOPBACK: 'true',
      // Zoho is the fake; the webhook calls it makes come back to this server.
      ZOHO_ACCOUNTS_URL: `http://127.0.0.1:${fakeZohoPort}`,
      PUBLIC_URL: baseURL,
      STORAGE_URL: process.env.CASEWORK_E2E_STORAGE ?? '../.data/e2e-objects',
      SYNC_SCHEDULE_TICK_S: '2',
    },
  },
  ],
});
