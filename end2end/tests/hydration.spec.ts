import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { open, signIn, uniq } from './helpers';

/** Records console errors and warnings, uncaught errors and failed responses. */
function watch(page: Page, problems: string[]) {
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });
}

test.beforeEach(async ({ page }) => {
  await signIn(page, 'editor', true);
});

// A hydration mismatch between the server's HTML and the browser's first render
// shows up as console errors or panics; every page must hydrate cleanly.
test('every page hydrates without console errors', async ({ page, browser }) => {
  const problems: string[] = [];
  watch(page, problems);

  await open(page, '/incidents/new', true);
  await page.locator('#field-title').fill(`Hydration check ${uniq()}`);
  await page.getByRole('radio', { name: /Degradation/ }).check();
  await page.locator('#field-time-zone').fill('UTC');
  await page.locator('#field-impact-started-at').fill('2026-03-04 10:00');
  await page.locator('#field-repaired-at').fill('2026-03-04 10:30');
  await page.getByRole('button', { name: 'Create incident' }).click();
  await expect(page).toHaveURL(/\/incidents\/\d+$/);
  const detail = new URL(page.url()).pathname;

  for (const path of ['/', '/incidents', '/incidents?severity=degradation&sort=severity', detail, `${detail}/edit`, '/incidents/new']) {
    await open(page, path, true);
  }

  // The pages only administrators see.
  const adminContext = await browser.newContext();
  const admin = await adminContext.newPage();
  watch(admin, problems);
  await signIn(admin, 'admin', true);
  for (const path of ['/account', '/admin/users', '/admin/audit']) {
    await open(admin, path, true);
  }
  await adminContext.close();

  // The sign-in page, as someone signed out sees it.
  const anonymousContext = await browser.newContext();
  const anonymous = await anonymousContext.newPage();
  watch(anonymous, problems);
  await open(anonymous, '/login', true);
  await anonymousContext.close();

  expect(problems).toEqual([]);
});
