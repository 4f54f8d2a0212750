import { expect, Page } from '@playwright/test';

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
