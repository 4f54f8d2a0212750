import { defineConfig } from '@playwright/test';

// Every worker starts its own server (the real binary the Rust tests build,
// on a fresh SQLite file): see tests/fixtures.ts. Two workers by
// default, one per core of the CI machine; E2E_WORKERS changes it.
export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: Number(process.env.E2E_WORKERS ?? 2),
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    // Tracing every test (to keep the failures' traces) doubles the suite's
    // time; E2E_TRACE=retain-on-failure turns it on to look into a failure.
    trace: (process.env.E2E_TRACE ?? 'off') as 'off' | 'on' | 'retain-on-failure' | 'on-first-retry',
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    },
  },
});
