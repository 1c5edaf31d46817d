// A computer with no keychain Maestro can use and no MAESTRO_VAULT_PASSPHRASE: the web host serves the
// unlock screen instead of stopping. First start: the person chooses a passphrase (twice) and the app
// starts. Next start: a wrong passphrase is refused in words, the right one opens the same profile.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { createProfile, launchBrowser, newDataDir, startHost, type RunningHost } from './harness';

let browser: Browser;
const hosts: RunningHost[] = [];
const PASS = 'a passphrase for the field';
// The vault only: no OS keychain, and no passphrase in the environment.
const NO_KEYCHAIN = { MAESTRO_KEYSTORE: 'vault', MAESTRO_VAULT_PASSPHRASE: '' };

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await browser?.close();
});

async function openLocked(dataDir: string): Promise<{ host: RunningHost; page: Page }> {
  const host = await startHost(dataDir, NO_KEYCHAIN, { until: 'locked' });
  hosts.push(host);
  const page = await browser.newPage();
  await page.goto(host.launchUrl);
  return { host, page };
}

describe('unlock screen (no keychain)', () => {
  it('chooses a passphrase on first start, and asks for it (refusing a wrong one) on the next', async () => {
    const dir = newDataDir();
    let { host, page } = await openLocked(dir);
    const form = page.getByRole('form', { name: 'Unlock Maestro' });
    await page.getByRole('heading', { name: 'Protect this device’s data' }).waitFor();
    await form.getByLabel('New passphrase').fill(PASS);
    await form.getByLabel('The same passphrase again').fill(`${PASS}!`);
    await form.getByRole('button', { name: 'Set passphrase and start' }).click();
    await form.getByText('The two passphrases are not the same.').waitFor();
    await form.getByLabel('New passphrase').fill(PASS);
    await form.getByLabel('The same passphrase again').fill(PASS);
    await form.getByRole('button', { name: 'Set passphrase and start' }).click();
    await page.getByRole('heading', { name: 'Welcome to Maestro' }).waitFor({ timeout: 30000 });
    const nav = await createProfile(page, 'Noa Field', 'acme-field');
    await expect.poll(() => nav.getByRole('button', { name: 'Settings' }).isVisible()).toBe(true);
    await page.close();
    await host.stop();

    ({ host, page } = await openLocked(dir));
    await page.getByRole('heading', { name: 'Unlock Maestro' }).waitFor();
    await page.getByLabel('Passphrase').fill('not the passphrase');
    await page.getByRole('button', { name: 'Unlock' }).click();
    await page.getByText('That passphrase does not open this device’s data. Try again.').waitFor();
    await page.getByLabel('Passphrase').fill(PASS);
    await page.getByRole('button', { name: 'Unlock' }).click();
    // The same profile as before: no first-run form, the app's navigation.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Capture' }).waitFor({ timeout: 30000 });
    expect(await page.getByRole('heading', { name: 'Welcome to Maestro' }).count()).toBe(0);
  });
});
