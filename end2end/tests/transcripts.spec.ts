import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { open, postForm, signIn, uniq } from './helpers';

/** Creates an incident in UTC whose impact started at 10:00; returns its number. */
async function createIncident(page: Page, title: string): Promise<number> {
  const response = await postForm(page, '/api/incidents/create', {
    'form[title]': title,
    'form[severity]': 'outage',
    'form[status]': 'investigating',
    'form[services]': 'checkout',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
  });
  const body = await response.text();
  expect(response.status(), body).toBeLessThan(400);
  return Number(body);
}

const OPS = [
  '[10:02] <robin> checkout p99 is climbing on the dashboard',
  '[10:04] <alertbot> PROBLEM: checkout latency above 2 s',
  '[10:05] *** sam has joined #ops',
  '[10:06] <sam> paged the database on-call',
  '[10:15] <robin> cache hit rate fell to 20 %',
].join('\n');

const DB = [
  '10:03 db-primary: replication lag 40 s',
  '10:12 kim: the primary is fine, the cache is cold',
].join('\n');

test('an incident commander imports two channels, filters the review, promotes lines and marks detected', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await createIncident(page, `Cold cache ${uniq()}`);

  await open(page, `/incidents/${n}/import`, true);
  await page.getByLabel('Transcript files').setInputFiles([
    { name: '#ops_20260304.log', mimeType: 'text/plain', buffer: Buffer.from(OPS) },
    { name: '#db_20260304.log', mimeType: 'text/plain', buffer: Buffer.from(DB) },
  ]);
  await page.getByRole('button', { name: 'Upload and preview' }).click();

  // The preview: nothing stored yet, each file's format, channel and lines.
  const ops = page.getByRole('region', { name: 'Preview of #ops_20260304.log' });
  const db = page.getByRole('region', { name: 'Preview of #db_20260304.log' });
  await expect(ops.locator('.channel')).toHaveText('#ops');
  await expect(ops.locator('.line-count')).toHaveText('5');
  await expect(ops.locator('.format')).toContainText('[HH:MM] <nick> text');
  await expect(db.locator('.channel')).toHaveText('#db');
  await expect(db.locator('.line-count')).toHaveText('2');
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  await page.getByRole('button', { name: 'Import', exact: true }).click();

  // The review: both channels in one chronological list, joins hidden.
  await expect(page).toHaveURL(new RegExp(`/incidents/${n}/review$`));
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const lines = page.locator('ol.review > li.line');
  await expect(lines).toHaveCount(6);
  await expect(lines.nth(0)).toContainText('checkout p99 is climbing');
  await expect(lines.nth(1)).toContainText('replication lag 40 s');
  await expect(lines.nth(1).locator('.channel')).toHaveText('#db');

  // Filter by channel (a GET form: the filtered view has its own address).
  await page.getByLabel('Channel', { exact: true }).selectOption('#db');
  await page.getByRole('button', { name: 'Filter' }).click();
  await expect(page).toHaveURL(/channel=%23db/);
  await expect(lines).toHaveCount(2);
  await open(page, `/incidents/${n}/review`, true);
  await expect(lines).toHaveCount(6);

  // From the keyboard: select the first two lines and make one event of them.
  await lines.nth(0).locator('input.select').focus();
  await page.keyboard.press('x');
  await page.keyboard.press('j');
  await page.keyboard.press('x');
  await expect(lines.nth(1).locator('input.select')).toBeFocused();
  await page.getByLabel('Event kind').selectOption('observation');
  await page.getByRole('button', { name: 'Make an event from the selected lines' }).click();
  await expect(page.getByRole('status')).toHaveText('Added to the timeline.');
  await expect(lines.nth(0).locator('.on-timeline-badge')).toBeVisible();
  await expect(lines.nth(1).locator('.on-timeline-badge')).toBeVisible();
  await expect(lines.nth(3).locator('.on-timeline-badge')).toHaveCount(0);

  // The alert is suggested as "detected": accept it and the durations follow.
  const detect = page.locator('.durations div').filter({ hasText: 'Time to detect' }).locator('dd');
  await expect(detect).toHaveText('missing');
  const alert = lines.filter({ hasText: 'PROBLEM: checkout latency' });
  await expect(alert.locator('.suggestion')).toContainText('marks Detected');
  await alert.getByRole('button', { name: 'Accept' }).click();
  await expect(detect).toHaveText('4 min');
  await expect(alert.locator('.on-timeline-badge')).toBeVisible();

  // The incident page shows both events with their provenance.
  await open(page, `/incidents/${n}`, true);
  await expect(page.locator('ol.timeline > li.event')).toHaveCount(2);
  await expect(page.locator('ol.timeline')).toContainText('imported from #ops');
});

test('files dropped on the upload box are uploaded with a progress bar and previewed', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await createIncident(page, `Dropped logs ${uniq()}`);
  await open(page, `/incidents/${n}/import`, true);
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);

  // What a browser does when files are dragged from the desktop onto the box.
  const zone = page.locator('.drop-zone');
  const transfer = await page.evaluateHandle(([ops, db]) => {
    const t = new DataTransfer();
    t.items.add(new File([ops], '#ops_20260304.log', { type: 'text/plain' }));
    t.items.add(new File([db], '#db_20260304.log', { type: 'text/plain' }));
    return t;
  }, [OPS, DB]);
  await zone.dispatchEvent('dragover', { dataTransfer: transfer });
  await expect(zone).toHaveClass(/dragging/);
  await zone.dispatchEvent('drop', { dataTransfer: transfer });
  await expect(zone).not.toHaveClass(/dragging/);
  await expect(zone.locator('.chosen')).toHaveText('2 files chosen: #ops_20260304.log, #db_20260304.log');

  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await expect(page.getByRole('region', { name: 'Preview of #ops_20260304.log' }).locator('.line-count')).toHaveText('5');
  await expect(page.getByRole('region', { name: 'Preview of #db_20260304.log' }).locator('.line-count')).toHaveText('2');
});
