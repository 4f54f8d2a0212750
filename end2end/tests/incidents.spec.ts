import { expect, test } from './fixtures';
import { duration, fillMoments, open, signIn, uniq } from './helpers';

// The same flow must work with the WASM hydrated and with JavaScript disabled.
for (const js of [true, false]) {
  test.describe(js ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: js });
    test.beforeEach(async ({ page }) => {
      await signIn(page, 'editor', js);
    });

    test('create an incident with key moments, see durations, edit it, filter the list', async ({ page }) => {
      const id = uniq();
      const title = `Checkout latency after cache change ${id}`;
      const service = `checkout-${id}`;

      await open(page, '/incidents/new', js);
      await page.locator('#field-title').fill(title);
      await page.getByRole('radio', { name: /Outage/ }).check();
      await page.locator('#field-services').fill(`${service}, payments`);
      await page.locator('#field-commander').fill('Robin');
      await page.locator('#field-time-zone').fill('UTC');
      await fillMoments(page, {
        'impact-started': '2026-03-04 10:00',
        detected: '2026-03-04 10:06',
        notified: '2026-03-04 10:10',
        responded: '2026-03-04 10:13',
        diagnosed: '2026-03-04 11:00',
        repaired: '2026-03-04 11:35',
      });
      await page.locator('#field-impact-started-at-estimated').check();
      await page.getByRole('button', { name: 'Create incident' }).click();

      await expect(page).toHaveURL(/\/incidents\/\d+$/);
      await expect(page.getByRole('heading', { level: 1 })).toContainText(title);
      await expect(duration(page, 'detect')).toHaveText('6 min');
      await expect(duration(page, 'notify')).toHaveText('4 min');
      await expect(duration(page, 'respond')).toHaveText('3 min');
      await expect(duration(page, 'troubleshoot')).toHaveText('47 min');
      await expect(duration(page, 'repair')).toHaveText('35 min');
      await expect(duration(page, 'impact')).toHaveText('1 h 35 min');
      await expect(page.locator('tr[data-moment="impact_started"]')).toContainText('(estimate)');
      const incidentUrl = page.url();

      // Edit: detection came later than first written.
      await page.getByRole('link', { name: 'Edit incident' }).click();
      await expect(page).toHaveURL(/\/edit$/);
      if (js) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
      await expect(page.locator('#field-detected-at')).toHaveValue('2026-03-04 10:06:00');
      await page.locator('#field-detected-at').fill('2026-03-04 10:08');
      await page.getByRole('button', { name: 'Save changes' }).click();
      await expect(page).toHaveURL(incidentUrl);
      await expect(duration(page, 'detect')).toHaveText('8 min');
      await expect(duration(page, 'notify')).toHaveText('2 min');
      await expect(page.locator('.meta')).toContainText('version 2');

      // Another incident on a different service, then filter the list down.
      await open(page, '/incidents/new', js);
      await page.locator('#field-title').fill(`Search index lag ${id}`);
      await page.getByRole('radio', { name: /Blip/ }).check();
      await page.locator('#field-services').fill(`search-${id}`);
      await page.getByRole('button', { name: 'Create incident' }).click();
      await expect(page).toHaveURL(/\/incidents\/\d+$/);

      await open(page, '/incidents', js);
      await expect(page.getByRole('link', { name: title })).toBeVisible();
      await expect(page.getByRole('link', { name: `Search index lag ${id}` })).toBeVisible();
      await page.locator('#filter-severity').selectOption('outage');
      await page.locator('#filter-service').selectOption(service);
      await page.getByRole('button', { name: 'Filter' }).click();
      await expect(page).toHaveURL(/severity=outage/);
      await expect(page.getByRole('link', { name: title })).toBeVisible();
      await expect(page.getByRole('link', { name: `Search index lag ${id}` })).toHaveCount(0);
      await expect(page.locator('.count')).toContainText('1 incident ·');
    });

    test('out-of-order moments are refused naming both, and nothing typed is lost', async ({ page }) => {
      const title = `Refused order ${uniq()}`;
      await open(page, '/incidents/new', js);
      await page.locator('#field-title').fill(title);
      await page.getByRole('radio', { name: /Degradation/ }).check();
      await page.locator('#field-time-zone').fill('UTC');
      await fillMoments(page, { 'impact-started': '2026-03-04 10:00', detected: '2026-03-04 09:55' });
      await page.getByRole('button', { name: 'Create incident' }).click();

      const summary = page.locator('.error-summary');
      await expect(summary).toContainText('Nothing was saved');
      await expect(summary).toContainText('"Detected" is before "Impact started"');
      await expect(page.locator('#field-title')).toHaveValue(title);
      await expect(page.locator('#field-detected-at')).toHaveValue('2026-03-04 09:55');
      await expect(page.locator('#field-detected-at')).toHaveAttribute('aria-invalid', 'true');

      await open(page, '/incidents', js);
      await expect(page.getByRole('link', { name: title })).toHaveCount(0);
    });
  });
}

test.describe('signed in as an editor', () => {
  test.beforeEach(async ({ page }) => {
    await signIn(page, 'editor', true);
  });

  test('marking "diagnosed" splits the phase bar and the durations update', async ({ page }) => {
    const title = `Diagnosis split ${uniq()}`;
    await open(page, '/incidents/new', true);
    await page.locator('#field-title').fill(title);
    await page.getByRole('radio', { name: /Outage/ }).check();
    await page.locator('#field-time-zone').fill('UTC');
    await fillMoments(page, {
      'impact-started': '2026-03-04 10:00',
      detected: '2026-03-04 10:05',
      notified: '2026-03-04 10:10',
      responded: '2026-03-04 10:20',
      repaired: '2026-03-04 12:20',
    });
    await page.getByRole('button', { name: 'Create incident' }).click();
    await expect(page).toHaveURL(/\/incidents\/\d+$/);

    const bar = page.locator('.phase-bar svg');
    await expect(bar.locator('g.covering[data-phases="troubleshoot repair"]')).toHaveCount(1);
    await expect(duration(page, 'troubleshoot')).toHaveText('missing');
    await expect(duration(page, 'repair')).toHaveText('missing');
    await expect(page.locator('.covering-spans')).toContainText('Responded → Repaired: 2 h (troubleshoot and repair, not split)');

    await page.getByRole('link', { name: 'Edit incident' }).click();
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
    await page.locator('#field-diagnosed-at').fill('2026-03-04 11:50');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page).toHaveURL(/\/incidents\/\d+$/);

    await expect(bar.locator('g.covering')).toHaveCount(0);
    await expect(bar.locator('g.phase-troubleshoot')).toHaveCount(1);
    await expect(bar.locator('g.phase-repair')).toHaveCount(1);
    await expect(duration(page, 'troubleshoot')).toHaveText('1 h 30 min');
    await expect(duration(page, 'repair')).toHaveText('30 min');
    await expect(duration(page, 'impact')).toHaveText('2 h 20 min');
  });

  test('unknown pages answer with a helpful 404', async ({ page }) => {
    const response = await page.goto('/incidents/999999');
    expect(response?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not found');
    await expect(page.getByRole('link', { name: 'Go to the incident list' })).toBeVisible();
  });

  test('a refused oversized form keeps everything typed (the server cannot echo it back)', async ({ page }) => {
    const title = `Oversized summary ${uniq()}`;
    await open(page, '/incidents/new', true);
    await page.locator('#field-title').fill(title);
    await page.getByRole('radio', { name: /Blip/ }).check();
    // About 3 MB, over the 2 MB request limit (set directly: typing it would take minutes).
    await page.locator('#field-summary').evaluate((el: HTMLTextAreaElement) => {
      el.value = 'log line\n'.repeat(350_000);
    });
    await page.getByRole('button', { name: 'Create incident' }).click();
    await expect(page.locator('.error-summary')).toContainText('Nothing was saved');
    await expect(page.locator('#field-title')).toHaveValue(title);
    expect((await page.locator('#field-summary').inputValue()).length).toBe(3_150_000);
    await open(page, '/incidents', true);
    await expect(page.getByRole('link', { name: title })).toHaveCount(0);
  });
});

test('a second editor working from an old version is told, and keeps their text', async ({ browser }) => {
  const first = await browser.newContext();
  const second = await browser.newContext();
  const a = await first.newPage();
  const b = await second.newPage();
  const title = `Concurrent edit ${uniq()}`;
  await signIn(a, 'editor', true);
  await signIn(b, 'editor', true);

  await open(a, '/incidents/new', true);
  await a.locator('#field-title').fill(title);
  await a.getByRole('radio', { name: /Blip/ }).check();
  await a.getByRole('button', { name: 'Create incident' }).click();
  await expect(a).toHaveURL(/\/incidents\/\d+$/);
  const editUrl = `${a.url()}/edit`;

  await open(a, editUrl, true);
  await open(b, editUrl, true);
  await a.locator('#field-title').fill(`${title} (A)`);
  await a.getByRole('button', { name: 'Save changes' }).click();
  await expect(a.getByRole('heading', { level: 1 })).toContainText(`${title} (A)`);

  await b.locator('#field-title').fill(`${title} (B)`);
  await b.getByRole('button', { name: 'Save changes' }).click();
  await expect(b.locator('.error-summary')).toContainText('Someone else saved this incident');
  await expect(b.locator('#field-title')).toHaveValue(`${title} (B)`);

  // B merges, slips once (an unreadable time), then saves: no second, spurious conflict.
  await b.locator('#field-detected-at').fill('soon');
  await b.getByRole('button', { name: 'Save changes' }).click();
  await expect(b.locator('.error-summary')).toContainText('"soon" is not a time');
  await b.locator('#field-detected-at').fill('');
  await b.locator('#field-title').fill(`${title} (A+B)`);
  await b.getByRole('button', { name: 'Save changes' }).click();
  await expect(b).toHaveURL(/\/incidents\/\d+$/);
  await expect(b.getByRole('heading', { level: 1 })).toContainText(`${title} (A+B)`);
  await expect(b.locator('.meta')).toContainText('version 3');
  await first.close();
  await second.close();
});
