import { expect, test } from './fixtures';
import { open, postForm, signIn, uniq } from './helpers';

test('write a post-mortem: blaming words are underlined as you type, the preview follows, publishing makes it read-only', async ({ page }) => {
  await signIn(page, 'editor', true);
  const u = uniq();
  const res = await postForm(page, '/api/incidents/create', {
    'form[title]': `Checkout errors ${u}`,
    'form[severity]': 'outage',
    'form[status]': 'resolved',
    'form[services]': 'checkout',
    'form[time_zone]': 'UTC',
    'form[impact_started][at]': '2026-03-04 10:00',
  });
  expect(res.status()).toBeLessThan(400);
  const number = Number(await res.text());

  await open(page, `/incidents/${number}`, true);
  await page.getByRole('link', { name: 'Post-mortem' }).click();
  await expect(page).toHaveURL(new RegExp(`/incidents/${number}/postmortem$`));
  await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
  const editor = page.getByLabel('Post-mortem');
  await expect(editor).toHaveValue(/## Contributing factors/);
  await expect(page.locator('.language-check h2')).toHaveText('Language check: nothing to reconsider');

  await editor.fill('# What happened\n\nThe on-call should have known the flag was on.\n\n> [10:02] <sam> obviously the cache\n');
  // Underlined in place, in the backdrop behind the text, and listed with a question.
  await expect(page.locator('.editor-backdrop mark')).toHaveText(['should have known']);
  await expect(page.locator('.language-check h2')).toHaveText('Language check: 1 phrase to reconsider');
  await expect(page.locator('.language-check li')).toContainText('What did they know, and what did they expect');
  // The quoted chat line is evidence: "obviously" there is not flagged.
  await expect(page.locator('.language-check li')).toHaveCount(1);
  // The live preview renders the Markdown as it will read.
  await expect(page.locator('.preview h1')).toHaveText('What happened');

  // The finding's button selects the words in the text for rewording.
  await page.locator('.language-check li button').click();
  const selected = await editor.evaluate((el: HTMLTextAreaElement) => el.value.slice(el.selectionStart, el.selectionEnd));
  expect(selected).toBe('should have known');

  await editor.fill('# What happened\n\nWhat did the on-call know about the flag at 10:02?\n');
  await expect(page.locator('.editor-backdrop mark')).toHaveCount(0);
  await page.getByRole('button', { name: 'Save draft' }).click();
  await expect(page.locator('.doc-state')).toContainText('Draft');
  await expect(page.locator('.versions tbody tr')).toHaveCount(1);

  await page.getByRole('button', { name: 'Publish' }).click();
  await expect(page.locator('.doc-state')).toContainText('Published');
  await expect(page.locator('textarea')).toHaveCount(0);
  await expect(page.locator('article.postmortem-body h1')).toHaveText('What happened');
  await expect(page.getByRole('button', { name: 'Reopen for editing' })).toBeVisible();
});
