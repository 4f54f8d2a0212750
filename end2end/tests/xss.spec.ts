import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { open, PASSWORD, postForm, signIn, uniq } from './helpers';

// Well-known XSS payloads, stored as incident fields, Markdown and people's
// names, must come back as inert text on every page that shows them.
const payloads = fs
  .readFileSync(path.resolve(__dirname, '../../tests/fixtures/xss_payloads.txt'), 'utf8')
  .split(/\r?\n/)
  .filter((line) => line !== '');

// The Content-Security-Policy would stop inline scripts and handlers on its
// own; bypass it so that these tests prove the escaping itself.
test.use({ bypassCSP: true });
test.describe.configure({ timeout: 120_000 });

type Incident = { number: number; payload: string };
type Person = { login: string; payload: string };

/** One incident per payload (title, services, people and summary are the payload). */
let incidents: Incident[] = [];
/** The incident whose summary is every payload, one Markdown paragraph each. */
let summaryIncident = 0;
/** One person per payload, named by it. */
let people: Person[] = [];

/** Payloads that try to end an attribute value or an element: the edit forms' input values, <title>, <textarea>. */
const breakout = (payload: string) => /^["']|^<\//.test(payload);

type IncidentFields = { title: string; services: string; summary: string; commander?: string; facilitator?: string };

/** Creates an incident over HTTP (as the form would) and returns its number. */
async function createIncident(page: Page, fields: IncidentFields, impactStarted: string): Promise<number> {
  const form: Record<string, string> = {
    'form[severity]': 'blip',
    'form[status]': 'investigating',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': impactStarted,
  };
  for (const [name, value] of Object.entries(fields)) {
    if (value !== undefined) form[`form[${name}]`] = value;
  }
  const response = await postForm(page, '/api/incidents/create', form);
  const body = await response.text();
  expect(response.status(), `creating "${fields.title}": ${body}`).toBeLessThan(400);
  const location = /\/incidents\/(\d+)$/.exec(response.headers()['location'] ?? '');
  const number = location ? Number(location[1]) : Number(body);
  expect(Number.isInteger(number) && number > 0, `creating "${fields.title}": ${body}`).toBe(true);
  return number;
}

/** "2026-03-05 00:07" for i = 7: each incident starts a minute after the one before. */
function startAt(i: number): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `2026-03-05 ${pad(Math.floor(i / 60) % 24)}:${pad(i % 60)}`;
}

/**
 * Markup in the page that could run script: what escaping must never let
 * through, whether or not a handler got the chance to fire. Runs in the browser.
 */
function findActiveContent(): string[] {
  const found: string[] = [];
  const risky = 'iframe, frame, frameset, object, embed, applet, base, meta, style, marquee, audio, video, math, svg script, svg animate, svg set';
  const urlAttributes = ['href', 'src', 'action', 'formaction', 'data', 'xlink:href', 'poster', 'background'];
  for (const el of Array.from(document.body.querySelectorAll('*'))) {
    const tag = el.tagName.toLowerCase();
    if (el.matches(risky)) found.push(`<${tag}> element`);
    for (const attr of Array.from(el.attributes)) {
      const name = attr.name.toLowerCase();
      const url = attr.value.replace(/[\u0000-\u0020]/g, '').toLowerCase();
      if (
        name.startsWith('on') ||
        name === 'srcdoc' ||
        (urlAttributes.includes(name) && /^(javascript|vbscript|data):/.test(url))
      ) {
        found.push(`<${tag} ${name}="${attr.value}">`);
      }
    }
  }
  return found;
}

/** Records every dialog (dismissing it) and every uncaught error on the page. */
function watch(page: Page): string[] {
  const ran: string[] = [];
  page.on('dialog', async (dialog) => {
    ran.push(`${dialog.type()} "${dialog.message()}" on ${page.url()}`);
    await dialog.dismiss();
  });
  page.on('pageerror', (err) => ran.push(`pageerror on ${page.url()}: ${err.message}`));
  return ran;
}

/** Opens a page, lets it settle, and checks nothing ran and nothing active was rendered. */
async function visit(page: Page, url: string, ran: string[]) {
  await open(page, url, true);
  // Gives late handlers (onload, onfocus with autofocus, ontoggle, onbegin…) a
  // chance to fire. Not a timing assertion.
  await page.waitForTimeout(300);
  expect(ran, url).toEqual([]);
  expect(await page.evaluate(() => (window as any).__xss), url).toBeUndefined();
  expect(await page.evaluate(findActiveContent), url).toEqual([]);
}

test.beforeAll(async ({ browser, server }) => {
  test.setTimeout(180_000);
  expect(payloads.length).toBeGreaterThanOrEqual(36);
  const context = await browser.newContext({ baseURL: server });
  const page = await context.newPage();
  await signIn(page, 'admin', true);

  const id = uniq();
  incidents = [];
  for (const [i, payload] of payloads.entries()) {
    const number = await createIncident(
      page,
      { title: payload, services: payload, commander: payload, facilitator: payload, summary: payload },
      startAt(i),
    );
    incidents.push({ number, payload });
  }
  summaryIncident = await createIncident(
    page,
    { title: `Every payload in the summary ${id}`, services: `xss-${id}`, summary: payloads.join('\n\n') },
    startAt(payloads.length),
  );

  people = [];
  for (const [i, payload] of payloads.entries()) {
    const login = `xss-${id}-${i}`;
    const response = await postForm(page, '/api/admin/create_user', {
      'form[login]': login,
      'form[display_name]': payload,
      'form[role]': 'viewer',
      'form[password]': PASSWORD,
      'form[password_confirm]': PASSWORD,
    });
    expect(response.status(), `adding a person named "${payload}": ${await response.text()}`).toBeLessThan(400);
    people.push({ login, payload });
  }
  await context.close();
});

test('the incident list shows every payload as text', async ({ page }) => {
  const ran = watch(page);
  await signIn(page, 'admin', true);
  // Titles in the list, services in the filter (50 incidents a page).
  await visit(page, '/incidents', ran);
  await visit(page, '/incidents?page=2', ran);
  // A filter value read from the address.
  for (const payload of payloads.filter(breakout).slice(0, 3)) {
    await visit(page, `/incidents?service=${encodeURIComponent(payload)}`, ran);
  }
});

test('incident pages show each payload as text', async ({ page }) => {
  const ran = watch(page);
  await signIn(page, 'admin', true);
  // Every payload aimed at a context, and every fourth of the rest.
  const sample = incidents.filter(({ payload }, i) => i % 4 === 0 || breakout(payload));
  expect(sample.length).toBeGreaterThanOrEqual(10);
  for (const { number, payload } of sample) {
    await visit(page, `/incidents/${number}`, ran);
    // Shown, not dropped: the heading holds the payload's literal text.
    await expect(page.getByRole('heading', { level: 1 })).toContainText(payload);
    await expect(page.locator('section.history-section')).toContainText(payload);
  }
  await visit(page, `/incidents/${summaryIncident}`, ran);

  // An incident number read from the address, echoed in the "not found" message.
  for (const payload of payloads.filter((p) => !p.includes('/')).slice(0, 3)) {
    await visit(page, `/incidents/${encodeURIComponent(payload)}`, ran);
  }
});

test('edit forms carry each payload as a value', async ({ page }) => {
  const ran = watch(page);
  await signIn(page, 'admin', true);
  for (const { number, payload } of incidents.filter(({ payload }) => breakout(payload))) {
    await visit(page, `/incidents/${number}/edit`, ran);
    await expect(page.locator('#field-title')).toHaveValue(payload);
    await expect(page.locator('#field-commander')).toHaveValue(payload);
    await expect(page.locator('#field-summary')).toHaveValue(payload);
  }
  await visit(page, `/incidents/${summaryIncident}/edit`, ran);
  expect(await page.locator('#field-summary').inputValue()).toContain(payloads[0]);
});

test('people, their names and the audit log show each payload as text', async ({ page, browser }) => {
  const ran = watch(page);
  await signIn(page, 'admin', true);
  await visit(page, '/admin/users', ran);
  for (const { login, payload } of people) {
    await expect(page.locator(`#user-${login}-name`)).toHaveValue(payload);
  }

  // The newest entries (every incident and person above) span a few pages.
  let url: string | null = '/admin/audit';
  for (let pages = 0; url && pages < 3; pages++) {
    await visit(page, url, ran);
    const older = page.getByRole('link', { name: 'Older entries' });
    url = (await older.count()) > 0 ? await older.getAttribute('href') : null;
  }

  // Signed in as people named by a payload: the header and account page show the name.
  for (const person of [people[0], people.find(({ payload }) => breakout(payload))!]) {
    const context = await browser.newContext({ bypassCSP: true });
    const theirs = await context.newPage();
    const theirsRan = watch(theirs);
    await signIn(theirs, person.login, true);
    await visit(theirs, '/incidents', theirsRan);
    await expect(theirs.locator('.signed-in')).toContainText(person.payload);
    await visit(theirs, '/account', theirsRan);
    await context.close();
  }
});

test('the sign-in page keeps a return address as text', async ({ page }) => {
  const ran = watch(page);
  const returns = [...payloads.filter(breakout).slice(0, 3), 'javascript:alert(1)'];
  for (const next of returns) {
    await visit(page, `/login?next=${encodeURIComponent(next)}`, ran);
  }
  // Signing in from there goes to a page on this site, never to the "address".
  await page.locator('#login-name').fill('viewer');
  await page.locator('#login-password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/^http:\/\/[^/]+\/$/);
  expect(ran).toEqual([]);
});
