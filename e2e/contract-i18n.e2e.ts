// Contracts in several languages (issue 21 item 3, decision 0031): the site inspection contract carries
// Swedish and Arabic words; a user whose app speaks Swedish sees the form in Swedish (titles, help, enum
// labels, the author's check message), the stored values stay the contract's values, and the record
// stores the language it was captured in. Back in English the same form reads as before. The outbox's
// discard dialog is checked by axe here too.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { seriousViolations } from './axe';
import { createProfile, hostSuite, openHostDb } from './harness';

const suite = hostSuite();
const CONTRACT = 'field.inspect.site@1.2.0';

async function recordLocale(dataDir: string, id: string): Promise<{ locale: string; condition: unknown }> {
  const db = await openHostDb(dataDir, { readonly: true });
  try {
    const row = db.prepare('SELECT locale, data FROM records WHERE id = ?').get(id) as { locale: string; data: string } | undefined;
    if (!row) throw new Error(`record ${id} not stored`);
    return { locale: row.locale, condition: (JSON.parse(row.data) as Record<string, unknown>).condition };
  } finally {
    db.close();
  }
}

async function chooseLanguage(page: Page, lng: string): Promise<void> {
  const items = page.locator('nav.nav button.nav-item');
  await items.last().click(); // Settings is last for a user without admin
  await page.getByTestId('language').selectOption(lng);
  await expect.poll(() => page.evaluate(() => document.documentElement.lang)).toBe(lng);
  await items.first().click(); // Capture is first
}

describe('contracts in several languages (web host)', () => {
  it('renders the form in the user language, keeps the values, and stores the capture locale', async () => {
    // A page of its own context: axe (e2e/axe.ts) cannot run in a page from browser.newPage().
    const page = await (await suite.browser.newContext({ viewport: { width: 1400, height: 900 } })).newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(suite.host.launchUrl);
    await createProfile(page, 'Sara Fält', 'acme-sv');
    const intro = page.getByTestId('intro');
    await intro.waitFor();
    await intro.getByRole('button').last().click();
    await intro.waitFor({ state: 'detached' });

    await chooseLanguage(page, 'sv');
    await page.getByLabel('Kontrakt').selectOption(CONTRACT);
    await expect.poll(() => page.locator('.contract-about').textContent()).toContain('Platsinspektion');
    // Field titles, help text and enum labels in Swedish; the option values stay the contract's.
    await page.getByLabel('Plats-ID').fill('PS-7x');
    await expect.poll(() => page.locator('[data-path="/siteId"]').first().textContent()).toContain('Två till fyra versaler');
    const condition = page.getByLabel('Övergripande skick');
    expect(await condition.locator('option').allTextContents()).toEqual(['Välj…', 'Bra', 'Godtagbart', 'Dåligt', 'Osäkert']);
    await condition.selectOption({ label: 'Godtagbart' });
    await page.getByLabel('Inspektionsdatum').fill('2026-03-14');
    await page.getByLabel('Latitud').fill('59.33');
    await page.getByLabel('Longitud').fill('18.07');
    await page.getByRole('group', { name: 'Inspektör' }).getByLabel('Namn', { exact: true }).fill('Sara Fält');

    // The author's own check message, in Swedish, for the bad site id (ajv in the main process refuses it).
    await page.getByRole('button', { name: 'Skicka in' }).click();
    await expect.poll(() => page.locator('[data-path="/siteId"] .field-errors').first().textContent()).toContain('Plats-ID skrivs som PS-7');
    await page.getByLabel('Plats-ID').fill('PS-7');
    await page.getByRole('button', { name: 'Skicka in' }).click();
    const result = page.getByTestId('capture-result');
    await result.waitFor();
    const id = (await result.getAttribute('data-record-id'))!;
    await page.screenshot({ path: 'test-results/contract-i18n-sv.png' });
    expect(await recordLocale(suite.host.dataDir, id)).toEqual({ locale: 'sv', condition: 'fair' });

    // Arabic: the same contract in Arabic words, right to left.
    await chooseLanguage(page, 'ar');
    await page.locator('select').first().selectOption(CONTRACT);
    await expect.poll(() => page.locator('.contract-about').textContent()).not.toContain('Site inspection');
    expect(await page.evaluate(() => document.documentElement.dir)).toBe('rtl');
    await page.screenshot({ path: 'test-results/contract-i18n-ar.png' });

    // English: the form reads as it always did.
    await chooseLanguage(page, 'en');
    await page.getByLabel('Contract').selectOption(CONTRACT);
    await expect.poll(() => page.locator('.contract-about').textContent()).toContain('Site inspection');
    expect(await page.getByLabel('Overall condition').locator('option').allTextContents()).toEqual(['Choose…', 'good', 'fair', 'poor', 'unsafe']);

    // The discard dialog under axe: the record's outbox item made a dead letter behind the host's back
    // (a device that is not enrolled never gets one on its own), then Discard, checked, cancelled.
    const db = await openHostDb(suite.host.dataDir);
    try {
      db.prepare("UPDATE outbox SET state = 'dead' WHERE state = 'queued'").run();
    } finally {
      db.close();
    }
    await page.locator('nav.nav button.nav-item').nth(4).click(); // Outbox
    await page.getByRole('button', { name: 'Refresh' }).click();
    await page.getByRole('button', { name: 'Discard' }).first().click();
    const discard = page.getByTestId('discard-dialog');
    await discard.getByRole('heading').waitFor();
    expect(await seriousViolations(page, 'discard dialog')).toEqual([]);
    await discard.getByRole('button', { name: 'Cancel' }).click();
    expect(pageErrors).toEqual([]);
    await page.context().close();
  });
});
