import { expect, test } from './fixtures';
import { open, postForm, signIn, uniq } from './helpers';

test('schedule the review, download its invitation, print the handout to PDF with every section', async ({ page }) => {
  await signIn(page, 'editor', true);
  const u = uniq();
  const res = await postForm(page, '/api/incidents/create', {
    'form[title]': `Search latency ${u}`,
    'form[severity]': 'outage',
    'form[status]': 'resolved',
    'form[services]': 'search',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
    'form[detected][at]': '2026-03-04 10:12',
    'form[repaired][at]': '2026-03-04 11:30',
  });
  expect(res.status()).toBeLessThan(400);
  const number = Number(await res.text());

  await open(page, `/incidents/${number}`, true);
  await page.locator('#quick-entry').fill('10:20 sam: Why did the canary pass?');
  await page.locator('#quick-entry').press('Enter');
  await expect(page.locator('ol.timeline > li.event')).toHaveCount(1);

  const review = page.locator('#review');
  await expect(review).toContainText('Review overdue');
  await review.getByLabel('When').fill('2027-01-12 15:00');
  await review.getByLabel('Where').fill('Room 4');
  await review.getByLabel('Attendees').fill('Sam Lee <sam@example.com>\nThe search team');
  await review.getByRole('button', { name: 'Save the review' }).click();
  await expect(review.locator('dl.facts')).toContainText('2027-01-12 15:00:00 UTC');
  await expect(review.locator('dl.facts')).toContainText('Sam Lee <sam@example.com>, The search team');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    review.getByRole('link', { name: 'Download the invitation (.ics)' }).click(),
  ]);
  expect(download.suggestedFilename()).toBe(`review-${number}.ics`);
  const ics = (await download.createReadStream()) as NodeJS.ReadableStream;
  let text = '';
  for await (const chunk of ics) text += chunk.toString();
  expect(text).toContain('DTSTART:20270112T150000Z');
  expect(text.replace(/\r\n /g, '')).toContain('mailto:sam@example.com');

  await review.getByRole('button', { name: 'Mark the handout as sent' }).click();
  await expect(review).toContainText('Handout sent by');

  await review.getByRole('link', { name: 'The handout' }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${number}/handout$`));
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Review handout: #${number}`);
  const sections = ['Key moments and durations', 'Timeline (1 events)', 'Open questions', 'Post-mortem'];
  for (const s of sections) {
    await expect(page.getByRole('heading', { level: 2, name: s })).toBeVisible();
  }
  await expect(page.locator('.handout')).toContainText('Why did the canary pass?');
  await expect(page.getByRole('button', { name: 'Print or save as PDF' })).toBeVisible();

  // As printed: no navigation, every section still there, one page each.
  await page.emulateMedia({ media: 'print' });
  await expect(page.locator('.site-header')).toBeHidden();
  for (const s of sections) {
    await expect(page.getByRole('heading', { level: 2, name: s })).toBeVisible();
  }
  const pdf = await page.pdf({ format: 'A4' });
  expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page\b/g) || []).length;
  expect(pages).toBeGreaterThanOrEqual(sections.length + 1);
});
