import { expect, test } from './fixtures';
import { adminWithEverything, appPages, open } from './helpers';

// Every form's own path: on every page, each form that posts is filled as a
// person would (every empty field given a plausible value for its kind:
// a date, a time, a zone, a web address, a sentence) and sent, with
// JavaScript on and off. Whatever the server answers, the journey must end
// on a working page: no server error, no "Page not found", no console error
// or WASM panic, and a refusal said on screen. (refusals.spec.ts makes each
// form one the server must refuse; this one lets each do what it does.)

/** Pages without forms that post for a signed-in admin (see refusals.spec.ts). */
const SKIP_PAGES = new Set(['/login', '/setup', '/search', '/report', '/incidents/N/handout', '/admin/audit', '/incidents']);

/** Forms not sent here, each with why. */
const NOT_SENT: Record<string, string> = {
  '/api/auth/logout': 'signs this browser out (auth.spec.ts signs out)',
  '/api/admin/update_user': 'would change the accounts every other test signs in with',
  '/api/admin/reset_password': 'would change the accounts every other test signs in with',
  '/api/account/change_password': 'would change the password every other test signs in with',
  '/incidents/N/transcripts': 'an empty upload: transcripts.spec.ts and refusals.spec.ts send it',
  '/incidents/N/attachments': 'an empty upload: tests/http/attachments.rs and the crawl cover it',
  '/incidents/restore': 'an empty upload: tests/http/archive.rs covers it',
};

for (const js of [true, false]) {
  test(`every form on every page, filled and sent, ends on a working page (JavaScript ${js ? 'on' : 'off'})`, async ({ browser }) => {
    test.setTimeout(400_000);
    const { context, page, url: fill } = await adminWithEverything(browser, js);

    const problems: string[] = [];
    let where = '';
    page.on('response', (r) => { if (r.status() >= 500) problems.push(`${where}: ${r.status()} from ${r.url()}`); });
    page.on('pageerror', (e) => problems.push(`${where}: uncaught: ${e.message}`));
    page.on('console', (m) => {
      // A refused server function's answer is logged by the browser itself.
      if (/Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) return;
      if (/\/attachments\//.test(m.location().url) && /sandboxed/.test(m.text())) return;
      if (m.type() === 'error') problems.push(`${where}: console error: ${m.text()}`);
    });
    const sent: string[] = [];
    const tried = new Set<string>();
    for (const route of appPages()) {
      if (SKIP_PAGES.has(route)) continue;
      const url = fill(route);
      await open(page, url, js);
      const count = await page.locator('form[method="post"]').count();
      for (let i = 0; i < count; i++) {
        if (i > 0 || page.url() !== new URL(url, page.url()).toString()) await open(page, url, js);
        const form = page.locator('form[method="post"]').nth(i);
        if ((await form.count()) === 0) continue; // the page changed (a meeting started, an event deleted)
        const { action, label } = await form.evaluate((f: HTMLFormElement) => ({
          action: new URL(f.action).pathname,
          label: (f.querySelector('button[type="submit"], button:not([type])')?.textContent ?? '').trim(),
        }));
        const kind = action.replace(/\/\d+(?=\/|$)/g, '/N');
        if (tried.has(kind) || kind in NOT_SENT) continue;
        tried.add(kind);
        where = `${url}, form ${i} ("${label}", ${action})`;
        const answered = page.waitForResponse((r) => new URL(r.url()).pathname === action && r.request().method() === 'POST', { timeout: 15_000 });
        await form.evaluate((f: HTMLFormElement) => {
          // What a person types into each empty field, by its kind.
          const guess = (el: HTMLInputElement | HTMLTextAreaElement): string => {
            const name = `${el.name} ${el.id}`.toLowerCase();
            if (el instanceof HTMLInputElement) {
              if (el.type === 'date') return '2026-03-20';
              if (el.type === 'number') return '5';
              if (el.type === 'url' || /url|link/.test(name)) return 'https://hooks.example.com/debrief';
              if (el.type === 'email') return 'sam@example.com';
              if (el.type === 'password') return 'a long enough passphrase';
            }
            if (/zone/.test(name)) return 'UTC';
            if (/(_at|\[at\]|when|time)/.test(name)) return '2026-03-04 10:30';
            if (/line/.test(name)) return '10:31 sam: cache warmed, latency normal';
            if (/login/.test(name)) return `sam${Date.now().toString(36)}`;
            return 'What did we know at 10:04, and what did we expect?';
          };
          for (const el of f.querySelectorAll<HTMLInputElement | HTMLTextAreaElement>('input, textarea')) {
            if (el instanceof HTMLInputElement && ['hidden', 'checkbox', 'radio', 'file', 'submit'].includes(el.type)) continue;
            if (!el.value && !el.disabled && !el.readOnly) el.value = guess(el);
          }
          for (const select of f.querySelectorAll('select')) {
            if (!select.value) select.value = [...select.options].find((o) => o.value)?.value ?? '';
          }
          f.noValidate = true;
          f.requestSubmit();
        });
        const response = await answered.catch(() => null);
        if (!response) {
          problems.push(`${where}: nothing was posted`);
          continue;
        }
        await page.waitForLoadState('load');
        if (js) await page.waitForTimeout(300); // a refusal or a redirect drawn by the app
        const heading = await page.locator('h1').first().textContent({ timeout: 5_000 }).catch(() => '');
        if (/not found/i.test(heading ?? '')) problems.push(`${where}: landed on "${heading}"`);
        if (page.url().startsWith('chrome-error:')) problems.push(`${where}: the browser could not show the answer`);
        const status = response.status();
        const refused = status >= 400 || /[?&]__err=/.test(response.headers()['location'] ?? '');
        if (refused) {
          const shown = page.locator('[role="alert"]:visible, .error-summary:visible, .field-error:visible, .question:visible');
          const seen = await shown.first().waitFor({ timeout: 5_000 }).then(() => true).catch(() => false);
          if (!seen) problems.push(`${where}: refused with ${status}, but nothing on screen says why`);
        }
        sent.push(kind);
      }
    }
    expect(problems).toEqual([]);
    expect(sent, 'the forms people use most were sent').toEqual(expect.arrayContaining([
      '/api/incidents/create', '/api/timeline/quick_add', '/api/postmortem/save', '/api/countermeasures/create',
    ]));
    await context.close();
  });
}
