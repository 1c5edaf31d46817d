// Capture through the generated form, offline: field errors (client and server), draft autosave,
// resume after a reload, submit, and the item waiting in the outbox of a device not yet enrolled.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { hostSuite } from './harness';

const suite = hostSuite();

const fieldErrors = (page: Page, path: string) => page.locator(`[data-path="${path}"] .field-errors`).first();

describe('capture UI (web host)', () => {
  it('fills a generated form, shows field errors, autosaves, resumes after reload, submits to the outbox', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    const consoleErrors: string[] = [];
    const pageErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(suite.host.launchUrl);

    // First run, then Capture is where a field user lands.
    await page.getByRole('heading', { name: 'Welcome to Maestro' }).waitFor();
    await page.getByLabel('Your name').fill('Ada Field');
    await page.getByLabel('Tenant (organisation id)').fill('acme-field');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('heading', { name: 'Capture' }).waitFor();
    const nav = page.getByRole('navigation', { name: 'Main' });
    expect(await nav.getByRole('button').allTextContents()).toEqual([
      // The notification bell (no unread notice yet).
      'Notifications',
      'Capture',
      'Runs',
      'Decision cards',
      'Memory',
      'Outbox',
      'Audit',
      'Health',
      'Sealed state',
      'Settings',
      // Shows the first-run steps again.
      'Help',
    ]);

    // The contract: title, version, description.
    await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');
    await expect.poll(() => page.locator('.contract-about').textContent()).toContain('v1.2.0');
    await expect.poll(() => page.locator('.contract-about').textContent()).toContain('A structured inspection of a field site');

    // Fill the generated form: a bad site id (only the server checks patterns), a date, a nested
    // object, an enum, a nested object inside an array item.
    await page.getByLabel('Site ID').fill('ps 7');
    await page.getByLabel('Inspection date').fill('2026-03-14');
    await page.getByLabel('Latitude').fill('123');
    await page.getByLabel('Latitude').blur();
    // Client check on blur: out of range.
    await expect.poll(() => fieldErrors(page, '/location/lat').textContent()).toContain('Must be ≤ 90');
    expect(await page.getByLabel('Latitude').getAttribute('aria-invalid')).toBe('true');
    await page.getByLabel('Latitude').fill('52.52');
    await page.getByLabel('Longitude').fill('13.405');
    await page.getByLabel('Overall condition').selectOption('fair');
    await page.getByLabel('Site accessible').check();
    await page.getByRole('group', { name: 'Inspector' }).getByLabel('Name', { exact: true }).fill('Ada Field');
    await page.getByRole('button', { name: 'Add to Meter readings' }).click();
    const reading = page.getByRole('group', { name: 'Meter readings 1' });
    await reading.getByLabel('Meter', { exact: true }).fill('M-1');
    await reading.getByLabel('Value').fill('3.5');
    await reading.getByLabel('Unit').selectOption('bar');
    await page.getByLabel('Time on site (minutes)').fill('45');

    // Submit: the server refuses the site id; the error lands next to the field and in the summary.
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => fieldErrors(page, '/siteId').textContent()).toContain('Not in the expected format (For example PS-7)');
    await expect.poll(() => page.getByTestId('error-summary').textContent()).toContain('Site ID: Not in the expected format');
    expect(await page.getByLabel('Site ID').getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByTestId('capture-result').count()).toBe(0);

    // The draft was autosaved (the refused submit also saved the latest data into it).
    await expect.poll(() => page.getByTestId('draft-status').getAttribute('data-draft-state')).toBe('saved');
    expect(await page.getByTestId('draft-status').textContent()).toMatch(/^Draft saved \d\d:\d\d:\d\d/);
    await expect.poll(() => page.getByTestId('drafts').locator('li').count()).toBe(1);

    // Reload: the draft survives (it is in SQLite) and can be resumed.
    await page.reload();
    await page.getByRole('heading', { name: 'Capture' }).waitFor();
    const draft = page.getByTestId('drafts').locator('li').first();
    await expect.poll(() => draft.textContent()).toContain('ps 7');
    expect(await page.getByLabel('Site ID').inputValue()).toBe('');
    await draft.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByLabel('Site ID').inputValue()).toBe('ps 7');
    expect(await page.getByLabel('Inspection date').inputValue()).toBe('2026-03-14');
    expect(await page.getByLabel('Latitude').inputValue()).toBe('52.52');
    expect(await page.getByLabel('Overall condition').inputValue()).not.toBe('');
    expect(await page.getByLabel('Site accessible').isChecked()).toBe(true);
    expect(await page.getByRole('group', { name: 'Meter readings 1' }).getByLabel('Meter', { exact: true }).inputValue()).toBe('M-1');
    expect(await page.getByRole('group', { name: 'Meter readings 1' }).getByLabel('Value').inputValue()).toBe('3.5');

    // Fix the site id; its error goes as soon as the value changes. Submit.
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect.poll(() => fieldErrors(page, '/siteId').textContent()).toContain('Not in the expected format');
    await page.getByLabel('Site ID').fill('PS-7');
    expect(await fieldErrors(page, '/siteId').count()).toBe(0);
    await page.getByRole('button', { name: 'Submit' }).click();
    const result = page.getByTestId('capture-result');
    await result.waitFor();
    expect(await result.textContent()).toContain('Saved to outbox');
    const recordId = await result.getAttribute('data-record-id');
    const outboxId = await result.getAttribute('data-outbox-id');
    expect(recordId).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(await result.textContent()).toContain(recordId!);
    // The form is reset and the draft is gone.
    expect(await page.getByLabel('Site ID').inputValue()).toBe('');
    await expect.poll(() => page.getByTestId('drafts').count()).toBe(0);

    // Outbox: the record waits, queued, on a device that is not enrolled.
    await nav.getByRole('button', { name: 'Outbox' }).click();
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    await expect.poll(() => page.getByTestId('sync-phase').getAttribute('data-phase')).toBe('not_enrolled');
    expect(await page.getByTestId('sync-reachable').textContent()).toBe('unknown');
    const row = page.locator(`[data-id="${outboxId}"]`);
    await row.waitFor();
    expect(await row.getAttribute('data-state')).toBe('queued');
    expect(await row.textContent()).toContain(recordId!);
    expect(await page.getByTestId(`receipt-${outboxId}`).textContent()).toBe('pending');
    expect(await page.getByTestId('outbox-counts').locator('[data-count-state="queued"]').getAttribute('data-count')).toBe('1');
    // Not enrolled: an Enroll form with the default server URL.
    expect(await page.getByLabel('Server URL').inputValue()).toBe('http://127.0.0.1:8787');
    expect(await page.getByRole('button', { name: 'Sync now' }).isDisabled()).toBe(true);

    // (The refused submits log "400 Bad Request" resource errors; those are expected.)
    expect(consoleErrors.filter((m) => /Content Security Policy|Refused to/i.test(m))).toEqual([]);
    expect(pageErrors).toEqual([]);
    await page.close();
  });
});
