// The field user's core loop against a real sync-server process on loopback: enroll, capture while
// the server is down (queued), bring the server back, "Sync now", receipts shown as verified.
import { describe, expect, it } from 'vitest';
import { createProfile, enrollInUi, hostSuite, newDataDir } from './harness';
import { enrollToken, freePort } from '../test/integration/server-process';

const suite = hostSuite();

describe('offline capture, then sync with verified receipts (web host + server process)', () => {
  it('queues while the server is down and shows verified receipts once it is back', async () => {
    const serverDir = newDataDir();
    const port = await freePort();
    let server = await suite.startServer(serverDir, port);
    const token = enrollToken(serverDir, port, 'acme-field', 'ada@acme');

    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Ada Field', 'acme-field');

    // Enroll from the Outbox view.
    await enrollInUi(page, nav, server.url, token, 'ada@acme');
    // A field credential never sees the admin board.
    expect(await nav.getByRole('button', { name: 'Devices (admin)' }).count()).toBe(0);

    // The server goes away; the field user keeps capturing.
    await server.stop();
    await nav.getByRole('button', { name: 'Capture' }).click();
    await page.getByLabel('Contract').selectOption('lab.record.specimen@2.0.1');
    await page.getByLabel('Specimen ID').fill('SP-2026-00417');
    await page.getByLabel('Collection date').fill('2026-11-20');
    await page.getByLabel('Taxon').fill('Daphnia magna');
    await page.getByLabel('Latitude').fill('60.1');
    await page.getByLabel('Longitude').fill('24.9');
    await page.getByRole('group', { name: 'Collector' }).getByLabel('Name', { exact: true }).fill('Ada Field');
    await page.getByLabel('Preservation').selectOption('ethanol-70');
    await page.getByRole('button', { name: 'Submit' }).click();
    const result = page.getByTestId('capture-result');
    await result.waitFor();
    const outboxId = (await result.getAttribute('data-outbox-id'))!;

    await nav.getByRole('button', { name: 'Outbox' }).click();
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.getByTestId('sync-reachable').textContent(), { timeout: 15000 }).toBe('offline');
    expect(await page.locator(`[data-id="${outboxId}"]`).getAttribute('data-state')).toBe('queued');
    expect(await page.getByTestId(`receipt-${outboxId}`).textContent()).toBe('pending');

    // The server is back: everything lands once, with a receipt the device verified.
    server = await suite.startServer(serverDir, port);
    await page.getByRole('button', { name: 'Sync now' }).click();
    await expect.poll(() => page.locator(`[data-id="${outboxId}"]`).getAttribute('data-state'), { timeout: 20000 }).toBe('acked');
    await expect.poll(() => page.getByTestId(`receipt-${outboxId}`).textContent()).toMatch(/verified/);
    expect(await page.getByTestId('sync-reachable').textContent()).toBe('reachable');
    expect(await page.getByTestId('outbox-counts').locator('[data-count-state="acked"]').getAttribute('data-count')).toBe('1');
    await expect.poll(() => page.getByRole('article', { name: 'Audit anchor' }).textContent()).toMatch(/#\d+/);
    await page.screenshot({ path: 'test-results/sync-e2e.png' });
    await page.close();
  });
});
