// Settings → Back up this device on one web host; First run → Restore from a backup on a fresh one
// (a wrong passphrase refused in plain words first); after a restart the new host is the old device.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createProfile, launchBrowser, newDataDir, startHost, VAULT_ENV, type RunningHost } from './harness';

let browser: Browser;
const hosts: RunningHost[] = [];
const PASS = 'new laptop passphrase';

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await browser?.close();
});

async function start(dataDir: string): Promise<RunningHost> {
  const h = await startHost(dataDir, VAULT_ENV);
  hosts.push(h);
  return h;
}

async function open(h: RunningHost): Promise<Page> {
  const page = await browser.newPage();
  await page.goto(h.launchUrl);
  return page;
}

describe('backup and restore (web host)', () => {
  it('backs up from Settings, restores on a fresh device from First run, and the restarted device is the old one', async () => {
    const oldHost = await start(newDataDir());
    let page = await open(oldHost);
    const nav = await createProfile(page, 'Ada Field', 'acme-field');
    await nav.getByRole('button', { name: 'Audit' }).click();
    await page.getByLabel('Note', { exact: true }).fill('Before the move');
    await page.getByRole('button', { name: 'Add note' }).click();
    await page.locator('.action', { hasText: 'note.added' }).first().waitFor();

    await nav.getByRole('button', { name: 'Settings' }).click();
    const form = page.getByRole('form', { name: 'Back up this device' });
    // A disabled Back up says why: too short first, then the two passphrases differ.
    await form.getByLabel('Passphrase (at least 8 characters)').fill('short');
    expect(await form.getByTestId('passphrase-short').textContent()).toBe('The passphrase is too short: 5 of at least 8 characters.');
    expect(await form.getByRole('button', { name: 'Back up now' }).isDisabled()).toBe(true);
    await form.getByLabel('Passphrase (at least 8 characters)').fill(PASS);
    expect(await form.getByTestId('passphrase-short').count()).toBe(0);
    await form.getByLabel('Passphrase again').fill(`${PASS}x`);
    await form.getByText('The two passphrases differ.').waitFor();
    await expect.poll(() => form.getByRole('button', { name: 'Back up now' }).isDisabled()).toBe(true);
    await form.getByLabel('Passphrase again').fill(PASS);
    await form.getByRole('button', { name: 'Back up now' }).click();
    const done = form.locator('[data-backup-path]');
    await done.waitFor({ timeout: 30000 });
    const backupPath = (await done.getAttribute('data-backup-path'))!;
    expect(backupPath).toMatch(/\.mbak$/);
    await page.close();
    await oldHost.stop();

    const newDir = newDataDir();
    let newHost = await start(newDir);
    page = await open(newHost);
    await page.getByRole('heading', { name: 'Welcome to Maestro' }).waitFor();
    const restore = page.getByRole('form', { name: 'Restore from a backup' });
    await restore.getByLabel('Backup file (full path)').fill(backupPath);
    await restore.getByLabel('Passphrase').fill('not the passphrase');
    await restore.getByRole('button', { name: 'Restore' }).click();
    await restore.getByRole('alert').getByText('The passphrase does not open this backup.').waitFor();
    await restore.getByLabel('Passphrase').fill(PASS);
    await restore.getByRole('button', { name: 'Restore' }).click();
    const ready = page.getByRole('status', { name: 'Restore ready' });
    await ready.getByText('Restart Maestro to finish').waitFor({ timeout: 30000 });
    expect(await ready.textContent()).toContain('acme-field');
    await page.close();
    await newHost.stop();

    newHost = await start(newDir);
    page = await open(newHost);
    const nav2 = page.getByRole('navigation', { name: 'Main' });
    await nav2.getByRole('button', { name: 'Audit' }).click();
    await page.locator('.action', { hasText: 'note.added' }).first().waitFor();
    await page.locator('.action', { hasText: 'backup.restored' }).first().waitFor();
    await page.close();
  }, 180_000);
});
