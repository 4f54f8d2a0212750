import { Browser, Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { duration, open, postForm, signIn, uniq } from './helpers';

/** Creates an incident in UTC with only its impact start known; returns its page. */
async function createIncident(page: Page, title: string, moments: Record<string, string>): Promise<string> {
  const form: Record<string, string> = {
    'form[title]': title,
    'form[severity]': 'outage',
    'form[status]': 'investigating',
    'form[services]': 'checkout',
    'form[commander]': 'Robin',
    'form[time_zone]': 'UTC',
  };
  for (const [moment, at] of Object.entries(moments)) form[`form[${moment}][at]`] = at;
  const response = await postForm(page, '/api/incidents/create', form);
  const body = await response.text();
  expect(response.status(), body).toBeLessThan(400);
  return `/incidents/${Number(body)}`;
}

const LINES = [
  '09:40 deploy: release 412 with the new cache TTL',
  '10:00 checkout p99 starts climbing',
  '10:04 alert: checkout latency above 2 s !detected',
  '10:06 @pagerduty paged the on-call !notified',
  '10:09 @robin acknowledged and opened the dashboards !responded',
  '10:15 @robin cache hit rate fell to 20 %',
  '10:22 @sam decision: hold further deploys',
  '10:31 @sam comms: status page updated',
  '10:40 @robin the TTL change looks like the cause',
  '10:52 deploy: rolled back release 412',
  '11:05 @robin p99 back under 300 ms !repaired',
  '11:30 @sam all clear posted !resolved',
];

test.describe('timeline, with JavaScript', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, 'editor', true);
  });

  test('a commander types a dozen events from the keyboard, marks diagnosed, and the bar splits', async ({ page }) => {
    const url = await createIncident(page, `Cache TTL change ${uniq()}`, {
      impact_started: '2026-03-04 10:00',
    });
    await open(page, url, true);

    // Keyboard only: focus the field, then type line after line, Enter after each.
    await page.locator('#quick-entry').focus();
    for (const line of LINES) {
      await page.keyboard.type(line);
      await page.keyboard.press('Enter');
    }
    await expect(page.locator('ol.timeline > li.event')).toHaveCount(LINES.length);
    await expect(page.locator('#quick-entry')).toBeFocused();
    await expect(page.locator('#quick-entry')).toHaveValue('');

    // In order, the evening-before change first; the marks set the moments.
    await expect(page.locator('ol.timeline > li.event').first()).toContainText('release 412 with the new cache TTL');
    await expect(page.locator('tr[data-moment="detected"]')).toContainText('2026-03-04 10:04:00 UTC');
    await expect(duration(page, 'detect')).toHaveText('4 min');
    await expect(duration(page, 'notify')).toHaveText('2 min');
    await expect(duration(page, 'respond')).toHaveText('3 min');
    await expect(duration(page, 'troubleshoot')).toHaveText('missing');
    await expect(duration(page, 'repair')).toHaveText('missing');
    await expect(page.locator('.phase-bar g.covering')).toHaveAttribute('data-phases', 'troubleshoot repair');
    await expect(page.locator('.phase-bar line.tick').first()).toBeAttached();

    // Mark "diagnosed" on the 10:40 event, from the keyboard.
    const edit = page.getByRole('link', { name: 'Edit the event at 2026-03-04 10:40:00 UTC' });
    await edit.focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#event-body')).toBeFocused();
    await page.locator('#event-moment').focus();
    await page.locator('#event-moment').selectOption('diagnosed');
    await page.getByRole('button', { name: 'Set key moment' }).press('Enter');

    await expect(duration(page, 'troubleshoot')).toHaveText('31 min');
    await expect(duration(page, 'repair')).toHaveText('25 min');
    await expect(page.locator('.phase-bar g.phase-troubleshoot')).toHaveCount(1);
    await expect(page.locator('.phase-bar g.phase-repair')).toHaveCount(1);
    await expect(page.locator('.phase-bar g.covering')).toHaveCount(0);
    await expect(page.locator('tr[data-moment="diagnosed"]')).toContainText('2026-03-04 10:40:00 UTC');

    // A second event for a moment already set asks which one wins.
    await page.locator('#quick-entry').focus();
    await page.keyboard.type('10:05 a customer wrote in about slow checkout !detected');
    await page.keyboard.press('Enter');
    const choice = page.locator('#quick-entry-error .choice');
    await expect(choice).toContainText('"Detected" is already marked on the event at 2026-03-04 10:04:00 UTC');
    await expect(page.locator('ol.timeline > li.event')).toHaveCount(LINES.length);
    await expect(duration(page, 'detect')).toHaveText('4 min');
    await choice.getByRole('button', { name: 'Add it without the mark' }).click();
    await expect(page.locator('ol.timeline > li.event')).toHaveCount(LINES.length + 1);
    await expect(duration(page, 'detect')).toHaveText('4 min');
  });

  test('two people edit the same event: the second is refused and sees the current text', async ({ browser, page }) => {
    const url = await createIncident(page, `Concurrent edit ${uniq()}`, {
      impact_started: '2026-03-04 10:00',
    });
    await open(page, url, true);
    await page.locator('#quick-entry').fill('10:12 restarted the cache nodes');
    await page.locator('#quick-entry').press('Enter');
    await expect(page.locator('ol.timeline > li.event')).toHaveCount(1);
    const editHref = await page.locator('a.edit-link').getAttribute('href');

    const other = await secondPerson(browser);
    await open(other, `${url}${editHref}`, true);
    await open(page, `${url}${editHref}`, true);

    // The other person saves first.
    await other.locator('#event-body').fill('restarted the cache nodes one at a time');
    await other.getByRole('button', { name: 'Save event' }).click();
    await expect(other.locator('ol.timeline')).toContainText('restarted the cache nodes one at a time');

    // The editor, still on the old version, saves second: refused, nothing lost.
    await page.locator('#event-body').fill('restarted every cache node at once');
    await page.getByRole('button', { name: 'Save event' }).click();
    await expect(page.locator('.error-summary')).toContainText('Someone else saved this event');
    await expect(page.locator('.current-version')).toContainText('restarted the cache nodes one at a time');
    await expect(page.locator('#event-body')).toHaveValue('restarted every cache node at once');

    // Merging and saving again goes through, on top of the other version.
    await page.locator('#event-body').fill('restarted the cache nodes one at a time (then all at once)');
    await page.getByRole('button', { name: 'Save event' }).click();
    await expect(page.locator('ol.timeline')).toContainText('(then all at once)');
    await other.context().close();
  });
});

async function secondPerson(browser: Browser): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, 'editor', true);
  return page;
}

test.describe('timeline, without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('quick entry posts, keeps the focus for the next line, and marks moments', async ({ page }) => {
    await signIn(page, 'editor', false);
    const url = await createIncident(page, `No script ${uniq()}`, { impact_started: '2026-03-04 10:00' });
    await open(page, url, false);
    await page.locator('#quick-entry').fill('10:04 alert: checkout latency above 2 s !detected');
    await page.locator('#quick-entry').press('Enter');
    await expect(page).toHaveURL(/focus=entry#quick-entry$/);
    await expect(page.locator('#quick-entry')).toBeFocused();
    await expect(page.locator('ol.timeline > li.event')).toHaveCount(1);
    await expect(duration(page, 'detect')).toHaveText('4 min');
    await page.locator('#quick-entry').fill('10:61 a typo');
    await page.locator('#quick-entry').press('Enter');
    await expect(page.locator('#quick-entry-error')).toContainText('hours run from 00 to 23');
    await expect(page.locator('#quick-entry')).toHaveValue('10:61 a typo');
  });
});
