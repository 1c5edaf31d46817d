// "Use my location" on the site inspection's Location, with the browser's geolocation emulated:
// the fix fills latitude, longitude and accuracy, and the stored record holds them; where location
// is refused the control says so and coordinates typed by hand still submit.
import { describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { hostSuite, openHostDb } from './harness';

const suite = hostSuite();

const EIFFEL = { latitude: 48.8583701, longitude: 2.2944813, accuracy: 12.5 };

/** The record as the device stored it (the records table of the host's database). */
async function storedRecord(dataDir: string, id: string): Promise<{ contract: string; data: Record<string, unknown> }> {
  const db = await openHostDb(dataDir, { readonly: true });
  try {
    const row = db.prepare('SELECT contract, data FROM records WHERE id = ?').get(id) as { contract: string; data: string } | undefined;
    if (!row) throw new Error(`record ${id} not stored`);
    return { contract: row.contract, data: JSON.parse(row.data) as Record<string, unknown> };
  } finally {
    db.close();
  }
}

async function openCapture(context: BrowserContext): Promise<{ page: Page; pageErrors: string[] }> {
  const page = await context.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The renderer's Permissions-Policy header must parse cleanly (Chromium logs unknown features).
  page.on('console', (m) => {
    if (/permissions.policy|Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  await page.goto(suite.host.launchUrl);
  const welcome = page.getByRole('heading', { name: 'Welcome to Maestro' });
  const capture = page.getByRole('heading', { name: 'Capture' });
  await welcome.or(capture).first().waitFor();
  if (await welcome.isVisible()) {
    await page.getByLabel('Your name').fill('Gea Field');
    await page.getByLabel('Tenant (organisation id)').fill('acme-geo');
    await page.getByRole('button', { name: 'Create profile' }).click();
  }
  await capture.waitFor();
  await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');
  await expect.poll(() => page.locator('.contract-about').textContent()).toContain('v1.2.0');
  return { page, pageErrors };
}

async function fillTheRest(page: Page, siteId: string): Promise<void> {
  await page.getByLabel('Site ID').fill(siteId);
  await page.getByLabel('Inspection date').fill('2026-03-14');
  await page.getByLabel('Overall condition').selectOption('good');
  await page.getByRole('group', { name: 'Inspector' }).getByLabel('Name', { exact: true }).fill('Gea Field');
}

async function submit(page: Page): Promise<string> {
  await page.getByRole('button', { name: 'Submit' }).click();
  const result = page.getByTestId('capture-result');
  await result.waitFor();
  const id = await result.getAttribute('data-record-id');
  expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
  return id!;
}

describe('location from the device (web host)', () => {
  it('"Use my location" fills latitude, longitude and accuracy from the fix, and the record stores them', async () => {
    const context = await suite.browser.newContext({ viewport: { width: 1400, height: 900 }, geolocation: EIFFEL, permissions: ['geolocation'] });
    const { page, pageErrors } = await openCapture(context);
    const location = page.getByRole('group', { name: 'Location' });
    const button = location.getByRole('button', { name: 'Use my location' });
    const status = location.getByRole('status');
    expect(await status.getAttribute('aria-live')).toBe('polite');
    expect(await button.getAttribute('aria-describedby')).toBe(await status.getAttribute('id'));

    await button.click();
    await expect.poll(() => status.getAttribute('data-geo-state')).toBe('fixed');
    expect(await status.textContent()).toMatch(/^Location from this device: 48\.85837, 2\.29448 \(±13 m\), fixed at .+\.$/);
    expect(await location.getByLabel('Latitude').inputValue()).toBe('48.8583701');
    expect(await location.getByLabel('Longitude').inputValue()).toBe('2.2944813');
    expect(await location.getByLabel('Accuracy (m)').inputValue()).toBe('12.5');
    expect(await button.isEnabled()).toBe(true);

    await fillTheRest(page, 'PS-7');
    const id = await submit(page);
    const rec = await storedRecord(suite.host.dataDir, id);
    expect(rec.contract).toBe('field.inspect.site@1.2.0');
    expect(rec.data.location).toEqual({ lat: 48.8583701, lon: 2.2944813, accuracyM: 12.5 });
    // The form is reset for the next capture: no fix, no stale status.
    expect(await location.getByLabel('Latitude').inputValue()).toBe('');
    expect(await status.getAttribute('data-geo-state')).toBe('idle');
    expect(await status.textContent()).toBe('');

    // A fix, then a correction by hand: the typed value is what is stored, and the status says so.
    await button.click();
    await expect.poll(() => location.getByLabel('Latitude').inputValue()).toBe('48.8583701');
    await location.getByLabel('Latitude').fill('48.86');
    await expect.poll(() => status.textContent()).toContain('edited by hand since');
    await fillTheRest(page, 'PS-8');
    const corrected = await storedRecord(suite.host.dataDir, await submit(page));
    expect(corrected.data.location).toEqual({ lat: 48.86, lon: 2.2944813, accuracyM: 12.5 });

    expect(pageErrors).toEqual([]);
    await context.close();
  });

  it('refused location: the control says so, the fields stay editable and typed coordinates submit', async () => {
    // No geolocation permission in this context: headless Chromium refuses the request.
    const context = await suite.browser.newContext({ viewport: { width: 1400, height: 900 }, geolocation: EIFFEL });
    const { page, pageErrors } = await openCapture(context);
    const location = page.getByRole('group', { name: 'Location' });
    const status = location.getByRole('status');
    await location.getByRole('button', { name: 'Use my location' }).click();
    await expect.poll(() => status.getAttribute('data-geo-state'), { timeout: 20000 }).toBe('failed');
    expect(await status.textContent()).toBe(
      'Location permission was refused. Allow location for Maestro in the browser or system settings, or type the coordinates.',
    );
    expect(await location.getByLabel('Latitude').inputValue()).toBe('');
    expect(await location.getByRole('button', { name: 'Use my location' }).isEnabled()).toBe(true);

    await location.getByLabel('Latitude').fill('-33.8688');
    await location.getByLabel('Longitude').fill('151.2093');
    await fillTheRest(page, 'PS-9');
    const rec = await storedRecord(suite.host.dataDir, await submit(page));
    expect(rec.data.location).toEqual({ lat: -33.8688, lon: 151.2093 });

    expect(pageErrors).toEqual([]);
    await context.close();
  });
});
