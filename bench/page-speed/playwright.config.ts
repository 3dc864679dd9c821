import { defineConfig } from '@playwright/test';

// The page-speed measurement (bench/page_speed.py runs it against the release server
// on the benchmark data set). One worker: the pages are timed one at a time, on a
// CPU slowed four times, so two would measure each other.
export default defineConfig({
  testDir: '.',
  outputDir: '../../.data/page-speed-results',
  workers: 1,
  retries: 0,
  timeout: 600_000,
  reporter: 'list',
  use: {
    baseURL: process.env.PAGE_SPEED_BASE,
    viewport: { width: 1280, height: 800 },
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
});
