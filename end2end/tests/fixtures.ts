import { test as base, expect } from '@playwright/test';
import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ACCOUNTS, PASSWORD } from './accounts';

// Each Playwright worker runs its own Debrief server, the real binary the Rust
// tests build (target/debug/debrief; ./scripts/test then builds the browser's
// assets with `cargo leptos build --frontend-only`), on its own fresh SQLite
// file with the test accounts.
// Workers then share nothing: a test that changes a global setting (the
// forms crawler saves every settings form) cannot reach a test running in the
// other worker. The port is 3917 + the worker's index unless E2E_PORT moves it.

const bin = process.env.DEBRIEF_BIN ?? path.resolve(__dirname, '../../target/debug/debrief');
const siteRoot = process.env.LEPTOS_SITE_ROOT ?? path.resolve(__dirname, '../../target/site');
const firstPort = Number(process.env.E2E_PORT ?? 3917);

async function healthy(base: string): Promise<boolean> {
  try {
    return (await fetch(`${base}/healthz`)).ok;
  } catch {
    return false; // not listening yet
  }
}

/** Starts a server for worker `index`; resolves to its base URL once healthy. */
async function startServer(index: number): Promise<{ base: string; child: ChildProcess; dir: string }> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `debrief-e2e-w${index}-`));
  const database = path.join(dir, 'e2e.db');
  for (const { login, role, displayName } of ACCOUNTS) {
    execFileSync(bin, ['user', 'add', '--role', role, '--display-name', displayName, login, '--database-url', database, '--log-level', 'warn'], {
      input: `${PASSWORD}\n`,
      stdio: ['pipe', 'pipe', 'inherit'],
    });
  }
  const port = firstPort + index;
  const base = `http://127.0.0.1:${port}`;
  if (await healthy(base)) {
    throw new Error(`port ${port} is taken by another server: stop it, or set E2E_PORT`);
  }
  const child = spawn(bin, ['--listen', `127.0.0.1:${port}`, '--database-url', database, '--log-level', 'warn'], {
    env: { ...process.env, LEPTOS_SITE_ROOT: siteRoot },
    cwd: dir,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  let exited: number | null = null;
  child.on('exit', (code) => (exited = code ?? -1));
  for (let i = 0; !(await healthy(base)); i++) {
    if (exited !== null) throw new Error(`the server for worker ${index} exited (${exited}) before it was healthy`);
    if (i > 600) throw new Error(`the server on ${base} did not become healthy`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { base, child, dir };
}

export const test = base.extend<object, { server: string }>({
  server: [
    async ({}, use, workerInfo) => {
      const { base: url, child, dir } = await startServer(workerInfo.parallelIndex);
      await use(url);
      child.kill('SIGTERM');
      await new Promise((r) => (child.exitCode === null ? child.once('exit', r) : r(null)));
      fs.rmSync(dir, { recursive: true, force: true });
    },
    { scope: 'worker', auto: true, timeout: 90_000 },
  ],
  baseURL: async ({ server }, use) => use(server),
});

export { expect };
