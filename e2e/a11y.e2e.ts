// Accessibility (issue 21): axe (axe-core through @axe-core/playwright) on every view, in the dark
// and the light theme and in Arabic (right to left), finds no serious or critical violation (WCAG
// 2.2 A/AA rules, colour contrast included), and none on the notifications dialog.
import { describe, expect, it } from 'vitest';
import { seriousViolations as serious } from './axe';
import { createProfile, hostSuite } from './harness';

const suite = hostSuite();

describe('accessibility (web host)', () => {
  // 27 axe runs (9 views × 3): about a minute on a quiet machine, more under CI load.
  it('every view, dark, light and Arabic: no serious or critical axe violation', { timeout: 240_000 }, async () => {
    const ctx = await suite.browser.newContext({ viewport: { width: 1400, height: 900 }, colorScheme: 'dark' });
    const page = await ctx.newPage();
    await page.goto(suite.host.launchUrl);
    expect(await serious(page, 'first run')).toEqual([]);
    await createProfile(page, 'Ana Souza', 'acme');
    const intro = page.getByTestId('intro');
    await intro.waitFor();
    expect(await serious(page, 'intro dialog')).toEqual([]);
    await intro.getByRole('button').last().click();
    const nav = page.locator('nav.nav');
    const views = await nav.locator('button.nav-item').count();
    const found: string[] = [];
    for (const [scheme, lang] of [
      ['dark', 'en'],
      ['light', 'en'],
      ['dark', 'ar'],
    ] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      if (lang === 'ar') {
        await nav
          .locator('button.nav-item')
          .nth(views - 1)
          .click();
        await page.getByTestId('language').selectOption('ar');
        await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('rtl');
      }
      for (let v = 0; v < views; v++) {
        await nav.locator('button.nav-item').nth(v).click();
        await page.waitForTimeout(200);
        found.push(...(await serious(page, `${scheme}/${lang} view ${v} (${await nav.locator('button.nav-item').nth(v).innerText()})`)));
      }
    }
    // The notifications dialog, open. The decision and the block-device dialogs are checked where the
    // keyboard journeys open them (e2e/keyboard.e2e.ts); the intro dialog above.
    await page.getByTestId('notify-bell').click();
    await page.getByTestId('notify-dialog').waitFor();
    found.push(...(await serious(page, 'notifications dialog (ar)')));
    expect(found).toEqual([]);
    await ctx.close();
  });
});
