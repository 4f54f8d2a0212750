import { APIResponse, expect, Page } from '@playwright/test';
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
