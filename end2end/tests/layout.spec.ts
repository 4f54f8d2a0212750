import AxeBuilder from '@axe-core/playwright';
import { Page } from '@playwright/test';
import { expect, test } from './fixtures';
import { adminWithEverything, appPages, open } from './helpers';

// Layout and accessibility on every page, as a person sees it at 1366 px:
// no element spills out of the box it sits in (checked by script, not by
// eye), and axe-core finds nothing to fix.

/** Pages a signed-in admin cannot open (each says why). */
const NOT_FOR_ADMIN: Record<string, string> = {
  '/login': 'redirects people signed in',
  '/setup': 'refused once an account exists',
};

/** More views of a page than its bare address shows. */
const ALSO = ['/countermeasures?view=board', '/search?q=cache', '/report?days=3650'];

/**
 * Elements that stick out of their container: an element whose box ends
 * past the right edge (or starts before the left edge) of the nearest
 * ancestor that clips or lays it out, unless it sits in a scrolling box or
 * is positioned out of the flow on purpose (skip links, screen-reader text).
 */
async function overflowing(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const found: string[] = [];
    const describe = (el: Element) => {
      const cls = typeof el.className === 'string' && el.className ? `.${el.className.trim().split(/\s+/).join('.')}` : '';
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls}`;
    };
    const scrolls = (el: Element) => /(auto|scroll)/.test(getComputedStyle(el).overflowX);
    const outOfFlow = (el: Element) => {
      for (let e: Element | null = el; e; e = e.parentElement) {
        const s = getComputedStyle(e);
        if (s.position === 'absolute' || s.position === 'fixed') return true;
        if (s.clip !== 'auto' && s.clip !== '') return true;
        if (s.clipPath !== 'none') return true;
        if (scrolls(e) && e !== el) return true;
      }
      return false;
    };
    const width = document.documentElement.clientWidth;
    if (document.documentElement.scrollWidth > width + 1) {
      found.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px in ${width} px`);
    }
    for (const el of document.querySelectorAll('main *')) {
      const parent = el.parentElement;
      if (!parent) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const display = getComputedStyle(el).display;
      if (display === 'inline' || display === 'contents') continue;
      const outer = parent.getBoundingClientRect();
      if (getComputedStyle(parent).display === 'contents' || getComputedStyle(parent).display === 'inline') continue;
      const spill = Math.max(box.right - outer.right, outer.left - box.left);
      if (spill > 1 && !outOfFlow(el)) {
        found.push(`${describe(el)} spills ${Math.round(spill)} px out of ${describe(parent)}`);
      }
    }
    return [...new Set(found)].slice(0, 20);
  });
}

test('every page at 1366 px: nothing spills out of its box, and axe-core finds nothing to fix', async ({ browser }) => {
  test.setTimeout(300_000);
  const { context, page, url } = await adminWithEverything(browser, true, { width: 1366, height: 900 });
  const urls = [
    ...appPages()
      .filter((p) => !(p in NOT_FOR_ADMIN))
      .map(url),
    ...ALSO,
  ];
  const problems: string[] = [];
  for (const address of urls) {
    await open(page, address, true);
    for (const spill of await overflowing(page)) problems.push(`${address}: ${spill}`);
    const axe = await new AxeBuilder({ page }).analyze();
    for (const v of axe.violations) {
      problems.push(`${address}: axe ${v.id} (${v.impact}): ${v.help}: ${v.nodes.map((x) => x.target.join(' ')).slice(0, 3).join(' | ')}`);
    }
  }
  expect(problems).toEqual([]);
  await context.close();
});
