import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { open, postForm, queueIncident, signIn, uniq } from './helpers';

// Unsaved text is never lost: on every page that holds writing, leaving by a
// link or by closing the tab asks first while the text is not saved, and
// does not ask once it is (or when nothing was typed).

const QUESTION = 'What you typed here is not saved yet';

type Editor = {
  name: string;
  /** Opens the page (signed in as an editor, JavaScript on); returns the field to type in. */
  open: (page: Page) => Promise<string>;
  /** Saves what was typed, where the page stays after saving; returns when it is saved. */
  save?: (page: Page) => Promise<void>;
};

async function incidentWithEvents(page: Page): Promise<number> {
  return queueIncident(page, `Queue backlog ${uniq()}`);
}

const EDITORS: Editor[] = [
  {
    name: 'the post-mortem',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      const saved = await postForm(page, '/api/postmortem/save', { number: String(n), version: '0', body: '# Post-mortem\n\nFirst draft.\n' });
      expect(saved.status()).toBeLessThan(400);
      await open(page, `/incidents/${n}/postmortem`, true);
      return 'textarea[name="body"]';
    },
    save: async (page) => {
      // "Last saved" already shows the draft saved above: wait for the new
      // version instead, or leaving may race the save and still ask.
      const versions = page.locator('section.versions tbody tr');
      const before = await versions.count();
      await page.getByRole('button', { name: 'Save draft' }).click();
      await expect(versions).toHaveCount(before + 1);
    },
  },
  {
    name: 'the incident form (new)',
    open: async (page) => {
      await open(page, '/incidents/new', true);
      return 'textarea[name="form[summary]"]';
    },
  },
  {
    name: 'the incident form (edit)',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      await open(page, `/incidents/${n}/edit`, true);
      return 'textarea[name="form[summary]"]';
    },
  },
  {
    name: 'the event editor',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      await open(page, `/incidents/${n}`, true);
      await page.getByRole('link', { name: /^Edit the event at/ }).first().click();
      await expect(page.locator('form.event-editor')).toHaveCount(1);
      return 'form.event-editor textarea';
    },
  },
  {
    name: 'quick entry',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      await open(page, `/incidents/${n}`, true);
      return '#quick-entry';
    },
    save: async (page) => {
      await page.locator('#quick-entry').fill('10:30 kim: queue drained');
      await page.locator('#quick-entry').press('Enter');
      await expect(page.locator('.timeline li', { hasText: 'queue drained' })).toHaveCount(1);
    },
  },
  {
    name: 'the review schedule',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      await open(page, `/incidents/${n}`, true);
      return 'textarea[name="form[attendees]"]';
    },
    save: async (page) => {
      await page.locator('input[name="form[scheduled_at]"]').fill('2026-03-10 14:00');
      await page.getByRole('button', { name: 'Save the review' }).click();
      await expect(page.locator('#review')).toContainText('2026-03-10');
    },
  },
  {
    name: 'meeting notes',
    open: async (page) => {
      const n = await incidentWithEvents(page);
      await open(page, `/incidents/${n}/meeting`, true);
      await page.getByRole('button', { name: 'Start the meeting (you facilitate)' }).click();
      await expect(page.locator('#note-body')).toBeVisible();
      return '#note-body';
    },
    save: async (page) => {
      await page.getByRole('button', { name: 'Add' }).click();
      await expect(page.locator('.meeting-notes')).toContainText('What did the dashboard show');
    },
  },
  {
    name: 'a new countermeasure',
    open: async (page) => {
      await open(page, '/countermeasures/new', true);
      return 'textarea[name="form[description]"]';
    },
  },
];

/** Clicks the header's "Debrief" link, a link the app's router follows. */
async function clickHome(page: Page) {
  await page.locator('header a.brand').click();
}

for (const editor of EDITORS) {
  test(`${editor.name}: leaving with unsaved text asks, staying keeps the text`, async ({ page }) => {
    await signIn(page, 'editor', true);
    const field = await editor.open(page);
    const url = page.url();
    const typed = 'What did the dashboard show at 10:09?';
    await page.locator(field).fill(typed);

    // A link: the question comes first; choosing to stay keeps page and text.
    const asked: string[] = [];
    page.once('dialog', async (d) => { asked.push(`${d.type()}: ${d.message()}`); await d.dismiss(); });
    await clickHome(page);
    await expect.poll(() => asked.length).toBe(1);
    expect(asked[0]).toContain('confirm');
    expect(asked[0]).toContain(QUESTION);
    expect(page.url()).toBe(url);
    await expect(page.locator(field)).toHaveValue(typed);

    if (editor.save) {
      // Saved: leaving no longer asks.
      await editor.save(page);
      let askedAfterSave = false;
      page.once('dialog', async (d) => { askedAfterSave = true; await d.dismiss(); });
      await clickHome(page);
      await expect(page).toHaveURL(/\/$/);
      expect(askedAfterSave).toBe(false);
    } else {
      // Choosing to leave leaves, without a second question.
      const dialogs: string[] = [];
      page.on('dialog', async (d) => { dialogs.push(d.type()); await d.accept(); });
      await clickHome(page);
      await expect(page).toHaveURL(/\/$/);
      expect(dialogs).toEqual(['confirm']);
    }
  });

  test(`${editor.name}: closing the tab with unsaved text asks; with nothing typed it does not`, async ({ page }) => {
    const dialogs: string[] = [];
    page.on('dialog', async (d) => { dialogs.push(d.type()); await d.dismiss(); });
    await signIn(page, 'editor', true);
    const field = await editor.open(page);
    // Nothing typed: the link leaves at once.
    await clickHome(page);
    await expect(page).toHaveURL(/\/$/);
    expect(dialogs).toEqual([]);
    await page.goBack();
    await expect(page.locator('body[data-hydrated]')).toHaveCount(1);
    const reopened = (await page.locator(field).count()) > 0 ? field : await editor.open(page);
    await page.locator(reopened).fill('What did we expect the queue to do?');
    await page.close({ runBeforeUnload: true });
    await expect.poll(() => dialogs).toEqual(['beforeunload']);
  });
}
