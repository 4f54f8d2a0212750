import { APIResponse, Browser, BrowserContext, expect, Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { PASSWORD } from './accounts';

export { ACCOUNTS, PASSWORD, headerName } from './accounts';

/** A suffix that keeps each test's incidents apart in the shared database. */
export function uniq(): string {
  return `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Opens a page; with JavaScript on, waits until the WASM has hydrated it. */
export async function open(page: Page, url: string, js: boolean) {
  await page.goto(url);
  if (js) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }
}

/**
 * Signs in through the sign-in page, a plain form post that works with and
 * without JavaScript, and waits until the page it leads to has loaded.
 */
export async function signIn(page: Page, login: string, js: boolean, password = PASSWORD) {
  await open(page, '/login', js);
  await page.locator('#login-name').fill(login);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).not.toHaveURL(/\/login(\?|$)/);
  if (js) {
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  }
}

/**
 * Posts a form to a server function as the person signed in on `page`.
 * Playwright's request context withholds Secure cookies from plain-HTTP hosts
 * other than "localhost" (the browser itself sends them to 127.0.0.1), so the
 * session cookie is passed by hand. Redirects are not followed.
 */
export async function postForm(page: Page, url: string, form: Record<string, string>): Promise<APIResponse> {
  return page.request.post(url, { form, headers: { cookie: await sessionCookie(page) }, maxRedirects: 0 });
}

/** The cookies of the person signed in on `page`, as a Cookie header (see `postForm`). */
export async function sessionCookie(page: Page): Promise<string> {
  return (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join('; ');
}

/**
 * Creates the queue-backlog incident the meeting tests walk through, with
 * its three timeline events; returns its number.
 */
export async function queueIncident(page: Page, title: string): Promise<number> {
  const res = await postForm(page, '/api/incidents/create', {
    'form[title]': title,
    'form[severity]': 'outage',
    'form[status]': 'resolved',
    'form[services]': 'queue',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
  });
  expect(res.status()).toBeLessThan(400);
  const number = Number(await res.text());
  for (const line of ['10:05 alerting: queue depth above 10k', '10:09 kim: paged the queue team', '10:20 sam: consumers restarted']) {
    const added = await postForm(page, '/api/timeline/quick_add', { number: String(number), line });
    expect(added.status()).toBeLessThan(400);
  }
  return number;
}

export type Moments = Partial<Record<
  'impact-started' | 'detected' | 'notified' | 'responded' | 'diagnosed' | 'repaired' | 'resolved',
  string
>>;

export async function fillMoments(page: Page, moments: Moments) {
  for (const [moment, value] of Object.entries(moments)) {
    await page.locator(`#field-${moment}-at`).fill(value ?? '');
  }
}

/** The duration text shown for a phase ("detect", ..., "impact"). */
export function duration(page: Page, phase: string) {
  return page.locator(`tr[data-phase="${phase}"] .duration`);
}

/** Creates an incident in UTC being investigated; returns its number. */
export async function incident(page: Page, title: string, more: Record<string, string> = {}): Promise<number> {
  const created = await postForm(page, '/api/incidents/create', {
    'form[title]': `${title} ${uniq()}`,
    'form[severity]': 'outage',
    'form[status]': 'investigating',
    'form[services]': 'checkout',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
    ...more,
  });
  expect(created.status()).toBeLessThan(400);
  return Number(await created.text());
}

/** An incident that has everything a page can show; returns its number. */
export async function everythingIncident(page: Page): Promise<number> {
  const n = await incident(page, 'Checkout latency after a cache flush', {
    'form[summary_markdown]': 'Checkout slowed for **twenty minutes** after the cache was flushed.',
  });
  for (const line of ['10:04 alerting: checkout latency above 2 s !detected', '10:06 robin: paged the database on-call !notified', '10:30 sam: cache warmed, latency normal !repaired']) {
    const added = await postForm(page, '/api/timeline/quick_add', { number: String(n), line });
    expect(added.status(), await added.text()).toBeLessThan(400);
  }
  // A transcript, through the import pages.
  await open(page, `/incidents/${n}/import`, false);
  await page.locator('#paste').fill('[10:02] <robin> checkout p99 is climbing\n[10:04] <alertbot> PROBLEM: checkout latency above 2 s\n[10:20] <sam> warming the cache now');
  await page.locator('#paste-name').fill('#ops');
  await page.getByRole('button', { name: 'Upload and preview' }).click();
  await page.getByRole('button', { name: 'Import', exact: true }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${n}/review`));
  // An attachment, a post-mortem, a countermeasure and a scheduled review.
  const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==', 'base64');
  const uploaded = await page.request.post(`/incidents/${n}/attachments`, {
    multipart: { file: { name: 'latency.png', mimeType: 'image/png', buffer: png } },
    headers: { cookie: await sessionCookie(page) },
    maxRedirects: 0,
  });
  expect(uploaded.status(), await uploaded.text()).toBeLessThan(400);
  const saved = await postForm(page, '/api/postmortem/save', { number: String(n), version: '0', body: '# Post-mortem\n\n## Summary\n\nWhat we knew, what we expected.\n' });
  expect(saved.status(), await saved.text()).toBeLessThan(400);
  const cm = await postForm(page, '/api/countermeasures/create', {
    'form[title]': `Warm the cache before traffic returns ${uniq()}`,
    'form[kind]': 'detect_sooner',
    'form[priority]': 'medium',
    'form[status]': 'proposed',
    'form[incidents]': String(n),
    confirm_new: 'yes',
  });
  expect(cm.status(), await cm.text()).toBeLessThan(400);
  const review = await postForm(page, '/api/review/save', {
    number: String(n),
    version: '0',
    'form[scheduled_at]': '2026-03-10 14:00',
    'form[attendees]': 'Sam Lee <sam@example.com>',
  });
  expect(review.status(), await review.text()).toBeLessThan(400);
  return n;
}

/** The app's pages, read from its router (`path!("…")` in app.rs), ids as N. */
export function appPages(): string[] {
  const app = fs.readFileSync(path.resolve(__dirname, '../../app/src/app.rs'), 'utf8');
  return [...app.matchAll(/path!\("([^"]+)"\)/g)].map((m) => m[1].replace(/:[a-z_]+/g, 'N'));
}

/**
 * A browser signed in as the admin (JavaScript on or off) with the incident
 * that has everything: its number `n`, and `cm`, the number of its
 * countermeasure. `url(route)` fills a router path's N with them.
 */
export async function adminWithEverything(browser: Browser, js: boolean, viewport = { width: 1280, height: 720 }): Promise<{
  context: BrowserContext; page: Page; n: number; cm: string; url: (route: string) => string;
}> {
  const context = await browser.newContext({ javaScriptEnabled: js, viewport });
  const page = await context.newPage();
  await signIn(page, 'admin', js);
  const n = await everythingIncident(page);
  // Its countermeasure, from the backlog filtered to the incident.
  await open(page, `/countermeasures?incident=${n}`, false);
  const links = await page.locator('a[href^="/countermeasures/"]').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  const cm = links.map((h) => /^\/countermeasures\/(\d+)$/.exec(h)?.[1]).find(Boolean)!;
  const url = (route: string) => (route.startsWith('/countermeasures/N') ? route.replace('N', cm) : route.replace('N', String(n)));
  return { context, page, n, cm, url };
}
