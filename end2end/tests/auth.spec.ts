import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { headerName, open, PASSWORD, signIn, uniq } from './helpers';

/** The header's main navigation (shown only to someone signed in). */
function mainNav(page: Page) {
  return page.getByRole('navigation', { name: 'Main' });
}

// Signing in and out are plain form posts: they must work with the WASM
// hydrated and with JavaScript disabled.
for (const js of [true, false]) {
  test.describe(js ? 'with JavaScript' : 'without JavaScript', () => {
    test.use({ javaScriptEnabled: js });

    test('signing in returns to the page asked for; a viewer cannot write', async ({ page }) => {
      await page.goto('/incidents');
      await expect(page).toHaveURL(/\/login\?next=(\/|%2F)incidents$/);
      if (js) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
      await page.locator('#login-name').fill('viewer');
      await page.locator('#login-password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await expect(page).toHaveURL(/\/incidents$/);
      if (js) await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
      await expect(page.getByRole('link', { name: headerName('viewer') })).toBeVisible();
      await expect(mainNav(page).getByRole('link', { name: 'Incidents' })).toBeVisible();
      await expect(mainNav(page).getByRole('link', { name: 'New incident' })).toHaveCount(0);
      await expect(mainNav(page).getByRole('link', { name: 'People' })).toHaveCount(0);

      const response = await page.goto('/incidents/new');
      expect(response?.status()).toBe(403);
      await expect(page.getByRole('heading', { level: 1 })).toHaveText('Not allowed');
    });

    test('a wrong password is refused, without saying which part was wrong', async ({ page }) => {
      await open(page, '/login', js);
      await page.locator('#login-name').fill('viewer');
      await page.locator('#login-password').fill(`${PASSWORD} but wrong`);
      await page.getByRole('button', { name: 'Sign in' }).click();

      await expect(page.locator('.error-summary')).toContainText('That login name and password do not match an active account');
      await expect(page).toHaveURL(/\/login/);
      await expect(page.locator('#login-password')).toHaveValue('');

      // An unknown login name gets the very same answer.
      await page.locator('#login-name').fill(`nobody-${uniq()}`);
      await page.locator('#login-password').fill(PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect(page.locator('.error-summary')).toContainText('That login name and password do not match an active account');
      await expect(page).toHaveURL(/\/login/);
    });

    test('signing out ends the session', async ({ page }) => {
      await signIn(page, 'editor', js);
      await expect(page.getByRole('link', { name: headerName('editor') })).toBeVisible();
      await page.getByRole('button', { name: 'Sign out' }).click();

      await expect(page).toHaveURL(/\/login$/);
      await expect(page.getByRole('button', { name: 'Sign in' })).toBeVisible();
      await expect(page.getByRole('link', { name: headerName('editor') })).toHaveCount(0);
      await page.goto('/incidents');
      await expect(page).toHaveURL(/\/login\?next=(\/|%2F)incidents$/);
    });
  });
}

test('an administrator adds a person, who can then sign in', async ({ page, browser }) => {
  const login = `pat-${uniq()}`;
  const displayName = `Pat ${login}`;
  await signIn(page, 'admin', true);
  await expect(page.getByRole('link', { name: headerName('admin') })).toBeVisible();
  await expect(mainNav(page).getByRole('link', { name: 'People' })).toBeVisible();
  await expect(mainNav(page).getByRole('link', { name: 'Audit log' })).toBeVisible();

  await open(page, '/admin/users', true);
  await page.locator('#field-login').fill(login);
  await page.locator('#field-display-name').fill(displayName);
  await page.locator('#field-role-editor').check();
  await page.locator('#field-password').fill(PASSWORD);
  await page.locator('#field-password-confirm').fill(PASSWORD);
  await page.getByRole('button', { name: 'Add person' }).click();
  await expect(page.locator('table.people')).toContainText(login);

  // The new person, in a browser of their own.
  const context = await browser.newContext();
  const theirs = await context.newPage();
  await signIn(theirs, login, true);
  await expect(theirs.getByRole('link', { name: `${displayName} (Editor)` })).toBeVisible();
  await expect(mainNav(theirs).getByRole('link', { name: 'New incident' })).toBeVisible();
  await expect(mainNav(theirs).getByRole('link', { name: 'People' })).toHaveCount(0);
  await context.close();
});
