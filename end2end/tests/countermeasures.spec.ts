import { expect, test } from './fixtures';
import { open, postForm, signIn, uniq } from './helpers';

test('file a countermeasure from a timeline event, move it across the board by keyboard, see it overdue', async ({ page }) => {
  await signIn(page, 'editor', true);
  const u = uniq();
  const res = await postForm(page, '/api/incidents/create', {
    'form[title]': `Cache TTL change ${u}`,
    'form[severity]': 'outage',
    'form[status]': 'investigating',
    'form[services]': 'checkout',
    'form[commander]': 'Robin',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
  });
  expect(res.status()).toBeLessThan(400);
  const number = Number(await res.text());
  await open(page, `/incidents/${number}`, true);
  await page.locator('#quick-entry').fill('10:04 alert fired 40 minutes after the climb began');
  await page.locator('#quick-entry').press('Enter');
  const event = page.locator('ol.timeline > li.event').first();
  await expect(event).toContainText('alert fired 40 minutes');

  await event.getByRole('link', { name: 'File a countermeasure' }).click();
  await expect(page).toHaveURL(new RegExp(`/countermeasures/new\\?incident=${number}&event=`));
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const title = `Canary gate ${u} before config rollouts`;
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Kind').selectOption('detect_sooner');
  await page.getByLabel('Priority').selectOption('high');
  await page.getByLabel('Owner').fill('Robin');
  const yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  await page.getByLabel('Due date').fill(yesterday);
  await page.getByLabel('Status').selectOption('accepted');
  await expect(page.getByLabel('Incidents')).toHaveValue(String(number));
  await page.getByRole('button', { name: 'File countermeasure' }).click();

  await expect(page.getByRole('heading', { level: 1 })).toContainText(title);
  await expect(page.locator('.overdue').first()).toContainText('Overdue');

  await open(page, `/countermeasures?view=board&incident=${number}`, true);
  const column = (status: string) => page.locator(`section.column:has(#column-${status})`);
  await expect(column('accepted').locator('.card')).toHaveCount(1);
  await expect(column('accepted').locator('.card')).toContainText('Overdue');

  // Keyboard only: focus the move button and press Enter, twice.
  await column('accepted').getByRole('button', { name: /Move to In progress/ }).focus();
  await page.keyboard.press('Enter');
  await expect(column('in_progress').locator('.card')).toHaveCount(1);
  await expect(column('accepted').locator('.card')).toHaveCount(0);
  await expect(column('in_progress').locator('.card')).toContainText('Overdue');
  await column('in_progress').getByRole('button', { name: /Move to Done/ }).focus();
  await page.keyboard.press('Enter');
  await expect(column('done').locator('.card')).toHaveCount(1);
  await expect(column('done').locator('.card')).not.toContainText('Overdue');
});

test('the board moves cards without JavaScript too', async ({ browser }) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await signIn(page, 'editor', false);
  const u = uniq();
  const res = await postForm(page, '/api/incidents/create', {
    'form[title]': `Queue backlog ${u}`,
    'form[severity]': 'degradation',
    'form[status]': 'investigating',
    'form[services]': 'notifications',
    'form[commander]': 'Robin',
    'form[time_zone]': 'UTC',
  });
  const number = Number(await res.text());
  await open(page, `/countermeasures/new?incident=${number}`, false);
  await page.getByLabel('Title').fill(`Backpressure ${u} limits documented`);
  await page.getByLabel('Kind').selectOption('documentation');
  await page.getByLabel('Priority').selectOption('low');
  await page.getByRole('button', { name: 'File countermeasure' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText(`Backpressure ${u}`);

  await open(page, `/countermeasures?view=board&incident=${number}`, false);
  const proposed = page.locator('section.column:has(#column-proposed)');
  // Accepting needs an owner: the refusal says so and nothing moves.
  await proposed.getByRole('button', { name: /Move to Accepted/ }).click();
  await expect(page.locator('.error-summary')).toContainText('Name an owner');
  await expect(page.locator('section.column:has(#column-proposed) .card')).toHaveCount(1);
  await context.close();
});

test('a recurring lesson is linked instead of filed twice, and duplicates merge keeping both histories', async ({ page }) => {
  await signIn(page, 'editor', true);
  const u = uniq();
  const incident = async (title: string) => {
    const res = await postForm(page, '/api/incidents/create', {
      'form[title]': `${title} ${u}`,
      'form[severity]': 'degradation',
      'form[status]': 'investigating',
      'form[services]': 'database',
      'form[commander]': 'Robin',
      'form[time_zone]': 'UTC',
    });
    expect(res.status()).toBeLessThan(400);
    return Number(await res.text());
  };
  const first = await incident('Replica lag');
  const second = await incident('Replica lag again');
  const fileByApi = async (title: string, incidents: number) => {
    const res = await postForm(page, '/api/countermeasures/create', {
      'form[title]': title,
      'form[kind]': 'detect_sooner',
      'form[priority]': 'medium',
      'form[status]': 'proposed',
      'form[incidents]': String(incidents),
      confirm_new: 'yes',
    });
    expect(res.status()).toBeLessThan(400);
    return Number(await res.text());
  };
  const kept = await fileByApi(`Replica${u} lag dashboard alert`, first);

  await open(page, `/countermeasures/new?incident=${second}`, true);
  await page.getByLabel('Title').fill(`Alert on replica${u} lag dashboard`);
  await page.getByLabel('Kind').selectOption('detect_sooner');
  await page.getByLabel('Priority').selectOption('medium');
  await page.getByRole('button', { name: 'File countermeasure' }).click();
  const offer = page.getByRole('button', { name: `Link incident ${second} to CM-${kept} instead` });
  await expect(offer).toBeVisible();
  await offer.click();
  await expect(page).toHaveURL(new RegExp(`/countermeasures/${kept}$`));
  await expect(page.locator('main')).toContainText(`#${second} Replica lag again ${u}`);

  const duplicate = await fileByApi(`Lag alerting for replica${u}`, second);
  await open(page, `/countermeasures/${duplicate}`, true);
  await page.getByLabel('Merge into (for example CM-12)').fill(`CM-${kept}`);
  await page.getByRole('button', { name: 'Merge' }).click();
  await expect(page).toHaveURL(new RegExp(`/countermeasures/${kept}$`));
  await expect(page.getByRole('heading', { name: 'Merged into this one' })).toBeVisible();
  const history = page.locator('ol.history');
  await expect(history).toContainText('merged another countermeasure into this one');
  await expect(history).toContainText('merged into another countermeasure');
  await expect(history).toContainText(`CM-${duplicate} Lag alerting for replica${u}`);
});
