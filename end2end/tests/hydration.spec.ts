import { expect, test } from '@playwright/test';
import { open, uniq } from './helpers';

// A hydration mismatch between the server's HTML and the browser's first render
// shows up as console errors or panics; every page must hydrate cleanly.
test('every page hydrates without console errors', async ({ page }) => {
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error' || msg.type() === 'warning') problems.push(`${msg.type()}: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  page.on('response', (res) => {
    if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
  });

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
  expect(problems).toEqual([]);
});
