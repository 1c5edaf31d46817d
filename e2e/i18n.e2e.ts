// Six languages (issue 21): the app follows the browser's (OS) language until one is chosen in
// Settings, remembers the choice, and every view renders in every locale with no key missing and no
// raw key on screen. Arabic lays out right to left; its screenshots are in test-results/.
import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { createProfile, hostSuite } from './harness';

const suite = hostSuite();
const LOCALES = ['sv', 'fr', 'es', 'sw', 'ar'] as const;
/** A key i18next could not resolve shows as "namespace:key.path" or "key.path". */
const RAW_KEY = /\b[a-z]+:[a-zA-Z]+(?:\.[a-zA-Z0-9_]+)+\b|\b(?:nav|settings|list|detail|empty|title)\.[a-zA-Z0-9_.]+\b/;

async function missing(page: Page): Promise<string[]> {
  return page.evaluate(() => [...((globalThis as unknown as { __maestroMissingKeys?: Set<string> }).__maestroMissingKeys ?? [])]);
}

describe('languages (web host)', () => {
  it('follows the browser language on first start, before any choice', async () => {
    const ctx = await suite.browser.newContext({ locale: 'sv-SE' });
    const page = await ctx.newPage();
    await page.goto(suite.host.launchUrl);
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('sv');
    await ctx.close();
  });

  it('renders every view in each locale with no missing key, Arabic right to left, and remembers the choice', async () => {
    mkdirSync('test-results', { recursive: true });
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(suite.host.launchUrl);
    await createProfile(page, 'Lina Haddad', 'acme');
    const nav = page.locator('nav.nav');
    // A new profile opens with the intro dialog; wait for it rather than racing the first render.
    const intro = page.getByTestId('intro');
    await intro.waitFor();
    await intro.getByRole('button').last().click();
    await intro.waitFor({ state: 'detached' });
    await expect.poll(() => nav.locator('button.nav-item').count()).toBeGreaterThanOrEqual(9);
    const views = await nav.locator('button.nav-item').count();
    const english: string[] = await nav.locator('button.nav-item').allInnerTexts();

    for (const l of LOCALES) {
      await nav
        .locator('button.nav-item')
        .nth(views - 1)
        .click(); // Settings is last for a user without admin
      await page.getByTestId('language').selectOption(l);
      await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(l);
      expect(await page.evaluate(() => document.documentElement.dir)).toBe(l === 'ar' ? 'rtl' : 'ltr');
      const labels = await nav.locator('button.nav-item').allInnerTexts();
      // The navigation reads in the language: most labels differ from English (a few words are shared, e.g. "Team").
      expect(labels.filter((x, i) => x !== english[i]).length, `${l}: ${labels.join(' | ')}`).toBeGreaterThanOrEqual(views - 3);
      for (let v = 0; v < views; v++) {
        await nav.locator('button.nav-item').nth(v).click();
        await page.waitForTimeout(150);
        const main = await page.locator('main.content').innerText();
        expect(main, `${l} view ${v}`).not.toMatch(RAW_KEY);
        if (l === 'ar') await page.screenshot({ path: `test-results/i18n-ar-${v}-${english[v]!.replace(/\W+/g, '-').toLowerCase()}.png` });
      }
      if (l === 'sv') await page.screenshot({ path: 'test-results/i18n-sv-settings.png' });
    }
    expect(await missing(page)).toEqual([]);

    // Remembered for this profile: a reload keeps Arabic.
    await page.reload();
    await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe('ar');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    // Back to English for anything that runs after.
    await nav
      .locator('button.nav-item')
      .nth(views - 1)
      .click();
    await page.getByTestId('language').selectOption('en');
    await expect.poll(() => page.evaluate(() => document.documentElement.dir)).toBe('ltr');
  });

  it('follows the OS colour scheme, switches to light and dark in Settings, and remembers it', async () => {
    const ctx = await suite.browser.newContext({ colorScheme: 'light' });
    const page = await ctx.newPage();
    await page.goto(suite.host.launchUrl);
    const theme = () => page.evaluate(() => document.documentElement.dataset.theme);
    const bg = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor || getComputedStyle(document.documentElement).backgroundColor);
    await expect.poll(theme).toBe('light');
    const light = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
    await page.emulateMedia({ colorScheme: 'dark' });
    await expect.poll(theme).toBe('dark');
    const dark = await page.evaluate(() => getComputedStyle(document.documentElement).getPropertyValue('--bg').trim());
    expect(light).not.toBe(dark);
    // The profile exists (created by the test above): pick Light in Settings; it sticks after a reload.
    const nav = page.locator('nav.nav');
    await nav.locator('button.nav-item').last().waitFor();
    const intro = page.getByTestId('intro');
    if (await intro.count()) await intro.getByRole('button').last().click();
    await nav.locator('button.nav-item').last().click();
    await page.getByTestId('theme').selectOption('light');
    await expect.poll(theme).toBe('light');
    await page.reload();
    await expect.poll(theme).toBe('light');
    expect(await bg()).toBeTruthy();
    await page.screenshot({ path: 'test-results/theme-light-settings.png' });
    await ctx.close();
  });
});
