import { expect, test } from './fixtures';
import { incident, open, signIn, uniq } from './helpers';

test.beforeEach(async ({ page }) => {
  await signIn(page, 'editor', true);
});

// The shape that makes a first load light and a second one free: the page's
// stylesheet, script and WASM carry content hashes in their names, are sent
// compressed where that pays (CSS and JavaScript as they go out; the WASM a
// release build compresses once), and may be kept a year without asking
// again. Times are measured by the benchmarks, not here.
test('assets have hashed names, are compressed and are kept', async ({ page }) => {
  const number = await incident(page, `Asset shape ${uniq()}`);
  const assets: { url: string; headers: Record<string, string> }[] = [];
  page.on('response', async (res) => {
    if (new URL(res.url()).pathname.startsWith('/pkg/')) {
      assets.push({ url: res.url(), headers: await res.allHeaders() });
    }
  });
  await open(page, `/incidents/${number}`, true);
  await page.waitForLoadState('networkidle');

  const kinds = ['.css', '.js', '.wasm'];
  for (const kind of kinds) {
    const asset = assets.find((a) => new URL(a.url).pathname.endsWith(kind));
    expect(asset, `the page loads its ${kind}`).toBeTruthy();
    const name = new URL(asset!.url).pathname.split('/').pop()!;
    expect(name, `${name} names its content`).toMatch(/^debrief\.[A-Za-z0-9_-]{16,}\.(css|js|wasm)$/);
    expect(asset!.headers['cache-control']).toContain('immutable');
    if (kind !== '.wasm') {
      expect(asset!.headers['content-encoding'], `${name} is compressed`).toMatch(/^(br|gzip)$/);
    }
  }

  // A second visit takes the stylesheet and the script from the browser's
  // cache without asking the server (a revalidation would transfer its
  // headers). Not the WASM here: a test build's is over 20 MB, beyond what a
  // private browser context keeps in memory; its header is checked above.
  await open(page, `/incidents/${number}`, true);
  await page.waitForLoadState('networkidle');
  const fetched = await page.evaluate(() =>
    performance
      .getEntriesByType('resource')
      .filter((e) => new URL(e.name).pathname.startsWith('/pkg/') && !e.name.endsWith('.wasm'))
      .map((e) => ({ name: e.name, bytes: (e as PerformanceResourceTiming).transferSize })),
  );
  expect(fetched.length, 'the page loads its assets').toBeGreaterThanOrEqual(2);
  for (const entry of fetched) {
    expect(entry.bytes, `${entry.name} came from the cache`).toBe(0);
  }
});
