import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { everythingIncident, incident, open, postForm, sessionCookie, signIn, uniq } from './helpers';

// Journeys to their last click: a crawler that follows every same-origin link
// on every page as every role, with JavaScript on and off, and the defects an
// outside walk-through found at the end of everyday journeys.

const SRC = path.resolve(__dirname, '../../app/src');

/** A path with its ids replaced by N: "/incidents/12/export.md" → "/incidents/N/export.md". */
function pattern(pathname: string): string {
  return pathname
    .split('/')
    .map((s) => (/^\d+$/.test(s) || /^[0-9a-f-]{16,}$/i.test(s) ? 'N' : s))
    .join('/');
}

/**
 * Every route the app answers GET for, read from its sources: the pages
 * (`path!("…")` in app.rs) and the server's own routes (the `Verb::Read`
 * rows of `RAW` in routes.rs, which the server registers by name). A route
 * added there is one the crawler must reach.
 */
function routes(): { pages: string[]; files: string[] } {
  const pages = new Set<string>();
  const files = new Set<string>();
  const app = fs.readFileSync(path.join(SRC, 'app.rs'), 'utf8');
  for (const m of app.matchAll(/path!\("([^"]+)"\)/g)) pages.add(m[1].replace(/:[a-z_]+/g, 'N'));
  const named = fs.readFileSync(path.join(SRC, 'routes.rs'), 'utf8');
  const paths = new Map<string, string>();
  for (const m of named.matchAll(/pub const ([A-Z_]+): &str = "([^"]+)";/g)) paths.set(m[1], m[2]);
  const raw = named.slice(named.indexOf('pub const RAW'));
  for (const m of raw.matchAll(/\(([A-Z_]+), Verb::Read\)/g)) {
    const route = paths.get(m[1]);
    if (route === undefined) throw new Error(`routes.rs: RAW names ${m[1]}, which is not a route`);
    files.add(route.replace(/\{[a-z_]+\}/g, 'N'));
  }
  if (files.size < 10) throw new Error(`routes.rs: only ${files.size} server routes read`);
  return { pages: [...pages].sort(), files: [...files].sort() };
}

/** Routes no page links to, reached directly (each says why). */
const NOT_LINKED: Record<string, string> = {
  '/setup': 'first run only; refused once an account exists',
  '/login': 'shown to people not signed in',
  '/metrics': 'for scrapers; the Metrics page names it',
  '/healthz': 'for load balancers',
  '/favicon.svg': 'the page head names it; browsers fetch it themselves',
  '/incidents/N/meeting/live': 'the meeting page subscribes to it',
};

type Problem = string;

/** Collects console errors, uncaught exceptions and 5xx answers on a page. */
function watch(page: Page, problems: Problem[], where: () => string) {
  page.on('console', (m) => {
    // An attachment is served with a sandboxing policy: the browser's own
    // image viewer may not run its script there, and says so. Intended.
    if (/\/attachments\//.test(m.location().url) && /sandboxed/.test(m.text())) return;
    if (m.type() === 'error') problems.push(`${where()}: console error: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`${where()}: uncaught: ${e.message}`));
  page.on('response', (r) => {
    if (r.status() >= 500) problems.push(`${where()}: ${r.status()} from ${r.url()}`);
  });
}

/**
 * Follows every same-origin link once per route pattern, starting at "/",
 * clicking it as a person would (so the client-side router takes it when
 * JavaScript is on). Returns the patterns reached and what went wrong.
 */
async function crawl(page: Page, js: boolean, start: string): Promise<{ reached: Set<string>; problems: Problem[] }> {
  const problems: Problem[] = [];
  const files = new Set(routes().files);
  let where = '/';
  watch(page, problems, () => where);
  const reached = new Set<string>();
  // The incident that has everything first, so that each kind of page is
  // first reached through it (other tests' incidents may be listed first).
  const queue: string[] = [start, '/'];
  const queued = new Set<string>([pattern(start), '/']);
  const origin = new URL(page.url()).origin;
  while (queue.length > 0) {
    const from = queue.shift()!;
    where = from;
    const loaded = await page.goto(from);
    if (!loaded || loaded.status() >= 400) {
      problems.push(`${from}: answered ${loaded?.status()}`);
      continue;
    }
    if (js) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
    reached.add(pattern(new URL(page.url()).pathname));
    const hrefs: string[] = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href') ?? ''));
    const targets = new Map<string, string>();
    for (const href of hrefs) {
      if (href.startsWith('#') || href.startsWith('mailto:')) continue;
      const url = new URL(href, page.url());
      if (url.origin !== origin || url.pathname.startsWith('/api/')) continue;
      const p = pattern(url.pathname);
      if (!queued.has(p) && !targets.has(p)) targets.set(p, href);
    }
    for (const [p, href] of targets) {
      queued.add(p);
      where = `${from} → ${href}`;
      if (new URL(page.url()).pathname !== new URL(from, origin).pathname) await open(page, from, js);
      const link = page.locator(`a[href="${href.replace(/"/g, '\\"')}"]`).first();
      const before = page.url();
      if (files.has(p)) {
        // The server's own route: a download, or a file the browser shows.
        const download = page.waitForEvent('download', { timeout: 4_000 }).catch(() => null);
        await link.evaluate((a: HTMLAnchorElement) => a.click());
        const file = await download;
        if (file) {
          expect(await file.failure(), `${where}: the download failed`).toBeNull();
          reached.add(p);
          continue;
        }
      } else {
        await link.evaluate((a: HTMLAnchorElement) => a.click());
        await page.waitForURL((u) => u.toString() !== before, { timeout: 10_000 }).catch(() => null);
      }
      await page.waitForLoadState('load');
      if (page.url() === before) {
        problems.push(`${where}: the click went nowhere`);
        continue;
      }
      const landed = pattern(new URL(page.url()).pathname);
      reached.add(p);
      const heading = await page.locator('h1').first().textContent({ timeout: 2_000 }).catch(() => null);
      if (heading && /not found/i.test(heading)) problems.push(`${where}: "${heading}"`);
      const type = await page.evaluate(() => document.contentType);
      if (type === 'text/html' && landed === p) queue.push(new URL(page.url()).pathname + new URL(page.url()).search);
    }
  }
  return { reached, problems };
}

test.describe('every link on every page', () => {
  test.describe.configure({ timeout: 300_000 });
  let n = 0;

  test.beforeAll(async ({ browser }) => {
    const page = await browser.newPage();
    await signIn(page, 'editor', false);
    n = await everythingIncident(page);
    await page.close();
  });

  const all = new Set<string>();
  for (const login of ['admin', 'editor', 'viewer'] as const) {
    for (const js of [true, false]) {
      test(`as ${login}, JavaScript ${js ? 'on' : 'off'}: every link opens a page or a file`, async ({ browser }) => {
        const context = await browser.newContext({ javaScriptEnabled: js, acceptDownloads: true });
        const page = await context.newPage();
        await signIn(page, login, js);
        const { reached, problems } = await crawl(page, js, `/incidents/${n}`);
        expect(problems).toEqual([]);
        expect(reached.has('/incidents/N'), [...reached].join('\n')).toBe(true);
        for (const r of reached) all.add(r);
        await context.close();
      });
    }
  }

  test('the crawl reached every route the app answers', async ({ page }) => {
    test.skip(all.size === 0, 'runs after the crawls');
    const { pages, files } = routes();
    const missing = [...pages, ...files].filter((r) => !all.has(r) && !(r in NOT_LINKED));
    expect(missing, `no link leads to these routes (reached: ${[...all].sort().join(', ')})`).toEqual([]);
    // The routes no page links to still answer, without a server error.
    await signIn(page, 'admin', false);
    for (const r of Object.keys(NOT_LINKED)) {
      if (r.endsWith('/live')) continue; // an endless event stream
      const res = await page.request.get(r.replace('/N/', `/${n}/`), { maxRedirects: 0 });
      expect(res.status(), r).toBeLessThan(500);
    }
  });
});

/** A file the server answers, fetched as the person signed in on `page` (see `postForm` on cookies). */
async function download(page: Page, url: string): Promise<string> {
  const res = await page.request.get(url, { headers: { cookie: await sessionCookie(page) }, maxRedirects: 0 });
  expect(res.status(), url).toBe(200);
  return res.text();
}

async function quick(page: Page, n: number, line: string) {
  const added = await postForm(page, '/api/timeline/quick_add', { number: String(n), line });
  expect(added.status(), await added.text()).toBeLessThan(400);
}

/** Pastes a transcript with its channel and imports it (plain form posts). */
async function pasteAndImport(page: Page, n: number, text: string, channel: string) {
  await open(page, `/incidents/${n}/import`, false);
  await page.locator('#paste').fill(text);
  await page.locator('#paste-name').fill(channel);
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${n}/review`));
}

for (const js of [true, false]) {
  test(`Accept on a suggestion whose moment is already marked asks which wins, beside the line (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    const page = await context.newPage();
    await signIn(page, 'editor', js);
    const n = await incident(page, 'Checkout latency');
    await quick(page, n, '10:03 robin: latency graph looks wrong !detected');
    await pasteAndImport(page, n, '[10:02] <robin> checkout p99 is climbing\n[10:04] <alertbot> PROBLEM: checkout latency above 2 s', '#ops');
    await open(page, `/incidents/${n}/review`, js);
    const line = page.locator('ol.review > li.line', { hasText: 'PROBLEM: checkout latency' });
    await line.getByRole('button', { name: 'Accept' }).click();
    const question = page.locator('ol.review > li.line', { hasText: 'PROBLEM: checkout latency' }).locator('.question');
    await expect(question).toContainText('Detected');
    await expect(question.getByRole('button', { name: 'Add the event without the mark' })).toBeVisible();
    await question.getByRole('button', { name: 'This line marks it' }).click();
    await expect(page.locator('ol.review > li.line', { hasText: 'PROBLEM: checkout latency' }).locator('.on-timeline-badge')).toBeVisible();
    await open(page, `/incidents/${n}`, js);
    await expect(page.locator('.timeline li', { hasText: 'PROBLEM: checkout latency' })).toContainText('Detected');
    await context.close();
  });
}

test('a pasted transcript goes to the channel typed for it, and its preview shows the first lines as read', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await incident(page, 'Queue backlog');
  await open(page, `/incidents/${n}/import`, true);
  await page.locator('#paste').fill('[10:02] <robin> queue depth climbing\n[10:04] <kim> consumers look stuck\n[10:06] <robin> restarting them');
  await page.locator('#paste-name').fill('#incident-412');
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  const preview = page.locator('.file-preview');
  await expect(preview.locator('.channel')).toHaveText('#incident-412');
  await expect(preview.locator('.unrecognised')).toHaveCount(0);
  await expect(preview.locator('table.sample tbody tr')).toHaveCount(3);
  await expect(preview.locator('table.sample tbody tr').first()).toContainText('queue depth climbing');
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page.locator('ol.review > li.line').first().locator('.channel')).toHaveText('#incident-412');
});

test('status follows the work: a resolved mark resolves the incident, publishing the post-mortem publishes it', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await incident(page, 'Login errors');
  await quick(page, n, '10:40 sam: logins work again, closing the incident !resolved');
  await open(page, `/incidents/${n}`, true);
  await expect(page.locator('.badge.status-resolved')).toHaveText('Resolved');
  await expect(page.locator('#history, .history').first()).toContainText('Resolved');
  const saved = await postForm(page, '/api/postmortem/save', { number: String(n), version: '0', body: '# Post-mortem\n\nWhat we knew, what we expected.\n' });
  expect(saved.status()).toBeLessThan(400);
  await open(page, `/incidents/${n}/postmortem`, true);
  await page.getByRole('button', { name: 'Publish' }).click();
  // Leave only once it is published: navigating away sooner can cancel the post.
  await expect(page.locator('.doc-state')).toContainText('Published');
  await open(page, `/incidents/${n}`, true);
  await expect(page.locator('.badge.status-published')).toHaveText('Published');
});

test('the post-mortem and the handout list the countermeasures filed after the first save', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await incident(page, 'Payment timeouts');
  // The first save keeps the template, which had nothing filed yet.
  await open(page, `/incidents/${n}/postmortem`, true);
  const body = await page.locator('textarea[name="body"]').inputValue();
  expect(body).toContain('None filed yet');
  const saved = await postForm(page, '/api/postmortem/save', { number: String(n), version: '0', body });
  expect(saved.status()).toBeLessThan(400);
  const title = `Alert on payment timeouts per region ${uniq()}`;
  const cm = await postForm(page, '/api/countermeasures/create', {
    'form[title]': title, 'form[kind]': 'detect_sooner', 'form[priority]': 'medium', 'form[status]': 'proposed', 'form[incidents]': String(n), confirm_new: 'yes',
  });
  expect(cm.status()).toBeLessThan(400);
  await open(page, `/incidents/${n}/postmortem`, true);
  await expect(page.locator('article.postmortem-body')).toContainText(title);
  await expect(page.locator('article.postmortem-body')).not.toContainText('None filed yet');
  await open(page, `/incidents/${n}/handout`, true);
  await expect(page.locator('main')).toContainText(title);
  await expect(page.locator('main')).not.toContainText('None filed yet');
  expect(await download(page, `/incidents/${n}/postmortem.md`)).toContain(title);
});

test('tables lay out as tables and the report draws its bars without breaking its own policy', async ({ page }) => {
  const errors: string[] = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await signIn(page, 'editor', true);
  const n = await incident(page, 'Search outage');
  await quick(page, n, '10:05 alerting: search errors above 5% !detected');
  await quick(page, n, '10:30 sam: search answers again !repaired');
  for (const url of [`/incidents/${n}`, `/incidents/${n}/handout`]) {
    await open(page, url, true);
    const table = page.locator('table.durations');
    await expect(table).toHaveCount(1);
    expect(await table.evaluate((t) => getComputedStyle(t).display)).toBe('table');
    // The header cells sit above the body's cells, not beside them.
    const head = await table.locator('thead th').first().boundingBox();
    const body = await table.locator('tbody th, tbody td').first().boundingBox();
    expect(head && body && Math.abs(head.x - body.x) < 2 && body.y > head.y).toBe(true);
  }
  await open(page, '/report', true);
  const bars = page.locator('svg.share-bar rect');
  expect(await bars.count()).toBeGreaterThan(0);
  expect(Number(await bars.first().getAttribute('width'))).toBeGreaterThan(0);
  expect(await page.locator('main [style]').count()).toBe(0);
  expect(errors).toEqual([]);
});

for (const js of [true, false]) {
  test(`a time zone the app does not know is refused beside the box, naming the one meant (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    const page = await context.newPage();
    await signIn(page, 'viewer', js);
    await open(page, '/incidents', js);
    await page.locator('#viewer-zone').fill('Berlin');
    await page.locator('.zone-picker').getByRole('button', { name: 'Set' }).click();
    await expect(page.locator('#viewer-zone-error')).toContainText('did you mean Europe/Berlin?');
    await context.close();
  });
}

for (const js of [true, false]) {
  test(`adding a person says so and leaves the form empty (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    const context = await browser.newContext({ javaScriptEnabled: js });
    const page = await context.newPage();
    await signIn(page, 'admin', js);
    await open(page, '/admin/users', js);
    const login = `ana${uniq()}`.slice(0, 20);
    await page.locator('#field-login').fill(login);
    await page.locator('#field-display-name').fill('Ana Lima');
    await page.locator('#field-password').fill('a long enough passphrase');
    await page.locator('#field-password-confirm').fill('a long enough passphrase');
    await page.getByRole('button', { name: 'Add person' }).click();
    await expect(page.getByRole('status')).toContainText(`Added ${login}.`);
    await expect(page.locator('table.people')).toContainText(login);
    await expect(page.locator('#field-password')).toHaveValue('');
    await expect(page.locator('#field-login')).toHaveValue('');
    await context.close();
  });
}

/** Signs in as an editor and opens the saved first draft of a new incident's post-mortem. */
async function firstDraft(page: Page, title: string): Promise<number> {
  await signIn(page, 'editor', true);
  const n = await incident(page, title);
  const saved = await postForm(page, '/api/postmortem/save', { number: String(n), version: '0', body: '# Post-mortem\n\nFirst draft.\n' });
  expect(saved.status()).toBeLessThan(400);
  await open(page, `/incidents/${n}/postmortem`, true);
  return n;
}

test('leaving the editor with unsaved text asks first', async ({ page }) => {
  const n = await firstDraft(page, 'Cache stampede');
  const editor = page.locator('textarea[name="body"]');
  await editor.click();
  await page.keyboard.press('End');
  await page.keyboard.type(' What did we expect the cache to do?');
  // Leaving now asks.
  let asked = '';
  page.once('dialog', async (d) => { asked = d.type(); await d.dismiss(); });
  await page.close({ runBeforeUnload: true });
  await expect.poll(() => asked).toBe('beforeunload');
});

test('Save and publish publishes the edits not yet saved', async ({ page }) => {
  const n = await firstDraft(page, 'DNS timeouts');
  await page.locator('textarea[name="body"]').fill('# Post-mortem\n\nWhat did the resolvers know at 10:02?\n');
  await page.getByRole('button', { name: 'Save and publish' }).click();
  await expect(page.locator('.doc-state')).toContainText('Published');
  await expect(page.locator('article.postmortem-body')).toContainText('What did the resolvers know at 10:02?');
  expect(await download(page, `/incidents/${n}/postmortem.md`)).toContain('What did the resolvers know at 10:02?');
});

test('a countermeasure filed from a review line says where it comes from and links back', async ({ page }) => {
  await signIn(page, 'editor', true);
  const n = await incident(page, 'Disk pressure');
  await pasteAndImport(page, n, '[10:02] <robin> disk at 95% on db-2\n[10:04] <kim> rotating logs', '#ops');
  await open(page, `/incidents/${n}/review`, true);
  const line = page.locator('ol.review > li.line', { hasText: 'disk at 95%' });
  await line.getByRole('link', { name: 'File a countermeasure' }).click();
  const note = page.locator('.source-note');
  await expect(note).toContainText(`a line of incident #${n}'s chronological review`);
  await note.getByRole('link').click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${n}/review#line-\\d+$`));
});
