import { expect, test } from './fixtures';
import { open, queueIncident, signIn } from './helpers';
import { Deployment } from './postgres';

// Two instances of Debrief on one PostgreSQL database, as behind a load
// balancer: the facilitator steps through the review on one, a follower
// connected to the other follows live.
const deployment = new Deployment();
let first = '';
let second = '';

test.beforeAll(async () => {
  await deployment.start();
  first = await deployment.instance();
  second = await deployment.instance();
});

test.afterAll(() => deployment.stop());

test('meeting mode across instances: a follower on another instance follows the facilitator live', async ({ browser }) => {
  const facilitatorContext = await browser.newContext({ baseURL: first });
  const followerContext = await browser.newContext({ baseURL: second });
  const facilitator = await facilitatorContext.newPage();
  const follower = await followerContext.newPage();
  await signIn(facilitator, 'editor', true);
  await signIn(follower, 'viewer', true);

  const number = await queueIncident(facilitator, 'Queue backlog across two instances');

  await open(facilitator, `/incidents/${number}/meeting`, true);
  await facilitator.getByRole('button', { name: 'Start the meeting (you facilitate)' }).click();
  await expect(facilitator.locator('.meeting-status')).toContainText('event 1 of 3');

  await open(follower, `/incidents/${number}/meeting`, true);
  await expect(follower.locator('.meeting-status')).toContainText('event 1 of 3');

  // Each step on the first instance reaches the follower on the second
  // well within the feed's 10-second re-read: through NOTIFY, not polling.
  const fast = { timeout: 5_000 };
  await facilitator.locator('h1').click();
  await facilitator.keyboard.press('ArrowRight');
  await expect(follower.locator('.meeting-status')).toContainText('event 2 of 3', fast);
  await expect(follower.locator('.meeting-event')).toContainText('paged the queue team', fast);
  await facilitator.keyboard.press('End');
  await expect(follower.locator('.meeting-event')).toContainText('consumers restarted', fast);

  await facilitator.getByLabel('Kind').selectOption('question');
  await facilitator.getByLabel('Note or question for this event').fill('What did the consumers log before the restart?');
  await facilitator.getByRole('button', { name: 'Add' }).click();
  await expect(follower.locator('.meeting-notes')).toContainText('What did the consumers log before the restart?', fast);

  await facilitatorContext.close();
  await followerContext.close();
});
