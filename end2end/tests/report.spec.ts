import { expect, test } from './fixtures';
import * as fs from 'node:fs';
import { open, postForm, signIn, uniq } from './helpers';

// Ten incidents on one service of their own: nine detected within minutes,
// one after ten hours, the outlier the report must single out.
const DETECT_MINUTES = [5, 6, 7, 8, 9, 10, 11, 12, 13, 600];

test('filter the report, open an outlier, export the CSV and read it back', async ({ page }) => {
  const service = `report-${uniq()}`;
  await signIn(page, 'editor', true);
  for (const [i, minutes] of DETECT_MINUTES.entries()) {
    const start = new Date(Date.UTC(2026, 2, 1 + i, 9, 0));
    const at = (offset: number) =>
      new Date(start.getTime() + offset * 60_000).toISOString().slice(0, 16).replace('T', ' ');
    const res = await postForm(page, '/api/incidents/create', {
      'form[title]': `Checkout slow ${i + 1} ${service}`,
      'form[severity]': 'degradation',
      'form[status]': 'investigating',
      'form[services]': service,
      'form[commander]': 'Robin',
      'form[time_zone]': 'UTC',
      'form[impact_started][at]': at(0),
      'form[detected][at]': at(minutes),
      'form[repaired][at]': at(minutes + 30),
      'form[summary]': 'What responders knew at each step is in the timeline.',
    });
    expect(res.status(), await res.text()).toBe(200);
  }

  await open(page, '/report', true);
  await page.getByLabel('Service').selectOption(service);
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(new RegExp(`service=${service}`));
  await expect(page.locator('.report-count strong')).toHaveText('10');

  const detect = page.locator('section.metric', { has: page.getByRole('heading', { name: 'Time to detect' }) });
  const outliers = detect.locator('table.outliers');
  await expect(outliers.locator('tbody tr')).toHaveCount(1);
  await expect(outliers).toContainText('10 h');
  // The plot marks the same incident, and has a title for screen readers.
  await expect(detect.locator('svg .dot.outlier')).toHaveCount(1);
  await expect(detect.locator('svg title').first()).toContainText('Time to detect');

  const link = outliers.getByRole('link');
  const title = `Checkout slow 10 ${service}`;
  await expect(link).toContainText(title);
  await link.click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(title);
  await page.goBack();

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('.report-count').getByRole('link', { name: 'CSV' }).click(),
  ]);
  const csv = fs.readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '');
  const [header, ...rows] = csv.trim().split('\r\n');
  const columns = header.split(',');
  expect(rows).toHaveLength(10);
  const cell = (row: string, name: string) => row.split(',')[columns.indexOf(name)];
  const outlierRow = rows.find((r) => r.includes(title))!;
  expect(cell(outlierRow, 'detect_seconds')).toBe('36000');
  expect(cell(outlierRow, 'detect_human')).toBe('10 h');
  expect(cell(outlierRow, 'impact_started_at')).toBe('2026-03-10T09:00:00+00:00');
});

test('the report works without JavaScript: the filter is a plain GET form', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, 'viewer', false);
  await open(page, '/report', false);
  await page.getByLabel('Severity').selectOption('outage');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page).toHaveURL(/severity=outage/);
  await expect(page.getByLabel('Severity')).toHaveValue('outage');
  await expect(page.getByRole('heading', { name: 'How outliers are found' })).toBeVisible();
  await context.close();
});
