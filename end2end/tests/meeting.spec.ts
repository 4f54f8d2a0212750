import { expect, test } from './fixtures';
import { open, queueIncident, signIn, uniq } from './helpers';

test('meeting mode: the facilitator steps with the keyboard, a second browser follows live and sees notes; a late joiner lands on the current event', async ({ browser }) => {
  const facilitatorContext = await browser.newContext();
  const followerContext = await browser.newContext();
  const facilitator = await facilitatorContext.newPage();
  const follower = await followerContext.newPage();
  await signIn(facilitator, 'editor', true);
  await signIn(follower, 'viewer', true);

  const number = await queueIncident(facilitator, `Queue backlog ${uniq()}`);

  await open(facilitator, `/incidents/${number}/meeting`, true);
  await facilitator.getByRole('button', { name: 'Start the meeting (you facilitate)' }).click();
  await expect(facilitator.locator('.meeting-status')).toContainText('event 1 of 3');
  // The shared screen shows the meeting alone.
  await facilitator.getByRole('button', { name: 'Full screen' }).click();
  await expect.poll(() => facilitator.evaluate(() => document.fullscreenElement?.className ?? '')).toContain('meeting');

  await open(follower, `/incidents/${number}/meeting`, true);
  await expect(follower.locator('.meeting-status')).toContainText('event 1 of 3');
  await expect(follower.locator('.meeting-event')).toContainText('queue depth above 10k');
  // A viewer follows; they cannot lead.
  await expect(follower.getByRole('button', { name: /facilitator/ })).toHaveCount(0);

  // The facilitator steps with the keyboard; the follower's page moves, without reloading.
  const followerUrl = follower.url();
  await facilitator.locator('h1').click();
  await facilitator.keyboard.press('ArrowRight');
  await expect(facilitator.locator('.meeting-status')).toContainText('event 2 of 3');
  await expect(follower.locator('.meeting-status')).toContainText('event 2 of 3');
  await expect(follower.locator('.meeting-event')).toContainText('paged the queue team');
  await facilitator.keyboard.press('End');
  await expect(follower.locator('.meeting-event')).toContainText('consumers restarted');
  await facilitator.keyboard.press('Home');
  await expect(follower.locator('.meeting-status')).toContainText('event 1 of 3');
  await facilitator.keyboard.press('ArrowRight');
  await expect(follower.locator('.meeting-status')).toContainText('event 2 of 3');
  expect(follower.url()).toBe(followerUrl);
  await expect(follower.locator('.meeting-timeline li[aria-current="step"]')).toContainText('10:09');

  // A question added by the facilitator appears in the follower's page.
  await facilitator.getByLabel('Kind').selectOption('question');
  await facilitator.getByLabel('Note or question for this event').fill('What did the queue dashboard show at 10:09?');
  await facilitator.getByRole('button', { name: 'Add' }).click();
  await expect(facilitator.locator('.meeting-notes')).toContainText('What did the queue dashboard show at 10:09?');
  await expect(follower.locator('.meeting-notes')).toContainText('Question');
  await expect(follower.locator('.meeting-notes')).toContainText('What did the queue dashboard show at 10:09?');

  // Someone who joins late lands on the current event.
  const lateContext = await browser.newContext();
  const late = await lateContext.newPage();
  await signIn(late, 'viewer', false);
  await open(late, `/incidents/${number}/meeting`, false);
  await expect(late.locator('.meeting-status')).toContainText('event 2 of 3');
  await expect(late.locator('.meeting-event')).toContainText('paged the queue team');

  await facilitatorContext.close();
  await followerContext.close();
  await lateContext.close();
});
