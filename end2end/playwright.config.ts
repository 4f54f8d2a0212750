import { defineConfig } from '@playwright/test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCOUNTS, PASSWORD } from './tests/accounts';

// The real server binary (built by `cargo leptos build`) on a fresh SQLite file.
const port = Number(process.env.E2E_PORT ?? 3917);
const bin = process.env.DEBRIEF_BIN ?? path.resolve(__dirname, '../target/debug/debrief');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.resolve(__dirname, '../target/site');
const dataDir = process.env.E2E_DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'debrief-e2e-'));
process.env.E2E_DATA_DIR = dataDir; // workers reuse the server's folder
const database = path.join(dataDir, 'e2e.db');

/** Quotes a value for a POSIX shell. */
const sh = (value: string) => `'${value.replace(/'/g, `'\\''`)}'`;

// On a new database, first create the accounts the tests sign in with (the
// password goes in on standard input), then start the server.
const addAccounts = ACCOUNTS.map(
  ({ login, role, displayName }) =>
    `printf '%s\\n' ${sh(PASSWORD)} | ${sh(bin)} user add --role ${role} --display-name ${sh(displayName)} ${login}` +
    ` --database-url ${sh(database)} --log-level warn`,
).join(' && ');
const serve = `exec ${sh(bin)} --listen 127.0.0.1:${port} --database-url ${sh(database)} --log-level warn`;
const startServer = `if [ ! -e ${sh(database)} ]; then ${addAccounts} || exit 1; fi; ${serve}`;

export default defineConfig({
  testDir: './tests',
  timeout: 30_000,
  expect: { timeout: 10_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  reporter: [['list']],
  use: {
    baseURL: `http://127.0.0.1:${port}`,
    trace: 'retain-on-failure',
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
  webServer: {
    command: `sh -c ${sh(startServer)}`,
    url: `http://127.0.0.1:${port}/healthz`,
    reuseExistingServer: false,
    timeout: 60_000,
    env: { LEPTOS_SITE_ROOT: siteRoot },
  },
});
