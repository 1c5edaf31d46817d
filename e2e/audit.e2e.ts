import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, newDataDir, openHostDb, startHost as startHostWith, VAULT_ENV, type RunningHost } from './harness';

// The database is encrypted at rest under a key in the passphrase vault.
const startHost = (dir: string) => startHostWith(dir, VAULT_ENV);

let browser: Browser;
let host: RunningHost | undefined;
const dataDir = newDataDir();

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await host?.stop();
  await browser?.close();
});

async function open(h: RunningHost): Promise<Page> {
  const page = await browser.newPage();
  const cspErrors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') cspErrors.push(m.text());
  });
  await page.goto(h.launchUrl);
  (page as Page & { cspErrors?: string[] }).cspErrors = cspErrors;
  return page;
}

describe('audit log through the UI (web host)', () => {
  it('first run, notes, verify, tamper, verify again', async () => {
    host = await startHost(dataDir);
    let page = await open(host);

    // First run: a short setup screen, never an empty view.
    await page.getByRole('heading', { name: 'Welcome to Maestro' }).waitFor();
    await page.getByLabel('Your name').fill('Ada Field');
    await page.getByLabel('Tenant (organisation id)').fill('acme-field');
    await page.getByRole('button', { name: 'Create profile' }).click();
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    // The token is removed from the address bar once read.
    expect(page.url()).not.toContain('token=');

    // Before the first note: the built-in bundles' installs and the profile.
    // (The count reads "0 entries" until the first page has loaded: wait for the real one.)
    const shownTotal = async () => {
      const m = /^(\d+) entries$/.exec((await page.getByTestId('audit-total').textContent()) ?? '');
      return m ? Number(m[1]) : -1;
    };
    await expect.poll(shownTotal, { timeout: 15000 }).toBeGreaterThanOrEqual(1);
    const base = await shownTotal();
    const notes = ['Arrived at site 7', 'Valve B inspected', 'Left site 7'];
    for (const [i, note] of notes.entries()) {
      await page.getByLabel('Note', { exact: true }).fill(note);
      await page.getByRole('button', { name: 'Add note' }).click();
      await page.locator(`[data-seq="${base + i + 1}"]`).waitFor();
    }
    const total = base + notes.length;
    const valveSeq = base + 2;
    await expect.poll(() => page.getByTestId('audit-total').textContent()).toBe(`${total} entries`);

    // Entry detail.
    await page.locator(`[data-seq="${valveSeq}"]`).click();
    await expect.poll(() => page.getByLabel('Entry detail').textContent()).toContain('Valve B inspected');

    // Filter by action.
    await page.getByLabel('Filter by action').selectOption('profile.created');
    await expect.poll(() => page.getByTestId('audit-total').textContent()).toBe('1 entry');
    await page.getByLabel('Filter by action').selectOption('');

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(new RegExp(`Chain valid: ${total} entries checked`));
    await page.close();
    await host.stop();

    // Tamper with the file behind the app's back, as someone with a SQLCipher shell and the at-rest
    // key (the vault's passphrase) would.
    const raw = await openHostDb(dataDir);
    raw.exec(`DROP TRIGGER audit_log_no_update; UPDATE audit_log SET payload = '{"note":"Valve B replaced"}' WHERE seq = ${valveSeq};`);
    raw.close();

    host = await startHost(dataDir);
    page = await open(host);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Audit' }).click();
    await page.getByRole('heading', { name: 'Audit log' }).waitFor();
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect.poll(() => page.getByTestId('verify-result').textContent()).toMatch(new RegExp(`Chain broken at entry #${valveSeq} \\(payload_altered\\)`));
    await expect.poll(() => page.locator(`[data-seq="${valveSeq}"]`).getAttribute('class')).toContain('broken');
    expect(await page.locator('.audit-row.broken').count()).toBe(1);

    // Health view shows the broken chain too.
    await page.getByRole('button', { name: 'Health' }).click();
    await expect.poll(() => page.locator('[data-check="audit.chain"]').textContent()).toMatch(new RegExp(`broken at entry ${valveSeq}`));
    await expect.poll(() => page.locator('[data-check="db.store"]').textContent()).toMatch(/healthy/);
    expect((page as Page & { cspErrors?: string[] }).cspErrors?.filter((e) => /Content Security Policy/i.test(e))).toEqual([]);
    await page.close();
  });

  it('without the token the UI says how to get in and the API refuses', async () => {
    host ??= await startHost(dataDir);
    const ctx = await browser.newContext();
    const page = await ctx.newPage();
    await page.goto(host.url);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/access token/);
    await ctx.close();
  });
});
