import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { adminWithEverything, appPages, open } from './helpers';

// Every refusal is visible: on every page, every form that posts is made to
// be refused (a version someone else has moved on from, or a text far over
// its limit) and submitted as a person would, with JavaScript on and off.
// The server must refuse it, the page must stay, and the reason must be on
// screen; a form the server accepts anyway is a limit it does not enforce.

/** Pages with no form that posts, or whose forms are not for signed-in people. */
const NO_POSTING_FORMS: Record<string, string> = {
  '/login': 'for people not signed in (auth.spec.ts covers its refusals)',
  '/setup': 'first run only',
  '/search': 'its form is a GET',
  '/report': 'its form is a GET',
  '/incidents/N/handout': 'printable, no forms',
  '/admin/audit': 'its form is a GET',
  '/incidents': 'same page as /',
};

/** Server functions whose refusal must have been provoked and seen. */
const MUST_BE_TRIED = [
  '/api/viewer/set_zone',
  '/api/incidents/create',
  '/api/incidents/update',
  '/api/timeline/quick_add',
  '/api/postmortem/save',
  '/api/review/save',
  '/api/countermeasures/create',
  '/api/countermeasures/update',
  '/api/admin/create_user',
  '/api/admin/save_language_rules',
];

/** Forms whose text over a small limit is not a refusal (each says why). */
const TAKES_LARGE_TEXT: Record<string, string> = {
  '/incidents/N/transcripts': 'a paste is staged up to the upload limit (megabytes); transcripts.spec.ts covers its refusals',
};

/** Forms that take nothing a person could get wrong: no version, no text. */
type Tamper = 'stale version' | 'text over its limit' | 'nothing to get wrong';

/** Makes form `i` on the page one the server must refuse; says how. */
async function tamper(page: Page, i: number): Promise<{ how: Tamper; action: string; label: string }> {
  return page.locator('form[method="post"]').nth(i).evaluate((form: HTMLFormElement) => {
    const label = (form.querySelector('button[type="submit"], button:not([type])')?.textContent ?? form.action).trim();
    const action = new URL(form.action).pathname;
    form.noValidate = true;
    const version = form.querySelector<HTMLInputElement>('input[type="hidden"][name="version"], input[type="hidden"][name$="[version]"]');
    if (version) {
      version.value = '999999';
      return { how: 'stale version' as Tamper, action, label };
    }
    const text = form.querySelector<HTMLInputElement | HTMLTextAreaElement>(
      'textarea, input[type="text"], input[type="password"], input[type="url"], input[type="email"], input:not([type])',
    );
    if (text) {
      text.removeAttribute('maxlength');
      text.value = 'x'.repeat(300_000);
      return { how: 'text over its limit' as Tamper, action, label };
    }
    return { how: 'nothing to get wrong' as Tamper, action, label };
  });
}

for (const js of [true, false]) {
  test(`every form on every page shows why it was refused (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    test.setTimeout(400_000);
    const { context, page, url: fill } = await adminWithEverything(browser, js);

    const problems: string[] = [];
    page.on('response', (r) => { if (r.status() >= 500) problems.push(`${r.status()} from ${r.url()}`); });
    const refused: string[] = [];
    const tried = new Set<string>(); // each form once: the zone picker is on every page
    for (const route of appPages()) {
      if (route in NO_POSTING_FORMS) continue;
      const url = fill(route);
      await open(page, url, js);
      const count = await page.locator('form[method="post"]').count();
      for (let i = 0; i < count; i++) {
        if (i > 0) await open(page, url, js);
        const { how, action, label } = await tamper(page, i);
        const kind = action.replace(/\/\d+(?=\/|$)/g, '/N');
        if (how === 'nothing to get wrong' || tried.has(kind) || kind in TAKES_LARGE_TEXT) continue;
        tried.add(kind);
        const where = `${url}, form ${i} ("${label}", ${action}), ${how}`;
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === action && r.request().method() === 'POST', { timeout: 15_000 });
        await page.locator('form[method="post"]').nth(i).evaluate((form: HTMLFormElement) => form.requestSubmit());
        const response = await answered.catch(() => null);
        if (!response) {
          problems.push(`${where}: nothing was posted`);
          continue;
        }
        const status = response.status();
        const location = response.headers()['location'] ?? '';
        const wasRefused = status >= 400 || (status >= 300 && status < 400 && /[?&](__err|attach_error|error)=/.test(location));
        if (!wasRefused) {
          problems.push(`${where}: accepted (${status} ${location}), though it should have been refused`);
          continue;
        }
        await page.waitForLoadState('load');
        if (new URL(page.url()).pathname !== new URL(url, page.url()).pathname) {
          problems.push(`${where}: the refusal left the page for ${page.url()}`);
          continue;
        }
        const shown = page.locator('[role="alert"]:visible, .error-summary:visible, .field-error:visible, .question:visible');
        const seen = await shown.first().waitFor({ timeout: 5_000 }).then(() => true).catch(() => false);
        const text = seen ? (await shown.first().textContent())?.trim() ?? '' : '';
        if (!seen || text.length < 10) {
          problems.push(`${where}: refused with ${status}, but nothing on screen says why`);
          continue;
        }
        refused.push(kind);
      }
    }
    expect(problems).toEqual([]);
    // The forms people write in are among those tried (a page that lost its
    // form, or a form that lost its version, would drop out of this list).
    for (const action of MUST_BE_TRIED) expect(refused, `refused: ${refused.join(', ')}`).toContain(action);
    await context.close();
  });
}
