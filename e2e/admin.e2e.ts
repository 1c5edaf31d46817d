// The admins' stale-device board in the browser: a real sync-server process with a synthetic fleet,
// the web host enrolled with an admin token, charts that match the fleet, server-side filtering and
// search, a virtualized table, a device last seen 57 days ago shown critical, and a confirmed block
// that the server records with its reason.
import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createProfile, enrollInUi, hostSuite, newDataDir } from './harness';
import { enrollToken, freePort } from '../test/integration/server-process';
import { seedFleet, syntheticFleet, type FleetDevice } from '../scripts/fleet-seed';
import { DAY_MS, evaluateRisk, RISK_LEVELS, type RiskLevel } from '../src/shared/risk';

const FLEET = 2_000;
const suite = hostSuite();

/** Levels the shared calculator gives the seeded devices (what the board must show). */
function expectedLevels(fleet: readonly FleetDevice[], now: number): Record<RiskLevel, number> {
  const out = Object.fromEntries(RISK_LEVELS.map((l) => [l, 0])) as Record<RiskLevel, number>;
  for (const d of fleet) {
    const r = evaluateRisk({
      now: new Date(now).toISOString(),
      lastSyncAt: d.offlineDays === null ? null : new Date(now - d.offlineDays * DAY_MS).toISOString(),
      enrolledAt: new Date(now - d.enrolledDaysAgo * DAY_MS).toISOString(),
      pendingCount: d.pending,
      deadLetterCount: d.dead,
    });
    out[r.level] += 1;
  }
  return out;
}

describe('admin board (web host + server process)', () => {
  it('shows the fleet, finds the 57-day device as critical, and blocks it with a confirmed reason', async () => {
    const serverDir = newDataDir();
    const port = await freePort();
    const server = await suite.startServer(serverDir, port);
    const token = enrollToken(serverDir, port, 'acme', 'erin@acme', 'admin');
    const now = Date.now();
    const bo: FleetDevice = { id: 'dev_bo_laptop', name: "Bo's laptop", user: 'bo@acme', offlineDays: 57, enrolledDaysAgo: 120, pending: 12, dead: 0 };
    const fleet = [...syntheticFleet(FLEET), bo];
    seedFleet(server.dbPath, 'acme', fleet, new Date(now));
    const expected = expectedLevels(fleet, now);

    const page = await suite.browser.newPage({ viewport: { width: 1500, height: 1000 } });
    const cspViolations: string[] = [];
    page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Erin Admin', 'acme');
    expect(await nav.getByRole('button', { name: 'Devices (admin)' }).count()).toBe(0);

    await enrollInUi(page, nav, server.url, token, 'erin@acme');
    await nav.getByRole('button', { name: 'Devices (admin)' }).click({ timeout: 15000 });

    // Charts: counts for the whole tenant (the fleet plus the admin's own device, which is low).
    const legend = page.getByTestId('risk-chart');
    await legend.locator('[data-level="critical"]').waitFor({ timeout: 15000 });
    for (const l of RISK_LEVELS) {
      const want = expected[l] + (l === 'low' ? 1 : 0);
      await expect.poll(() => legend.locator(`[data-level="${l}"]`).getAttribute('data-count')).toBe(String(want));
    }
    expect(await page.getByTestId('risk-chart').locator('svg').count()).toBeGreaterThan(0);
    // Each chart's table alternative holds the same numbers (opened from the keyboard).
    const table = page.getByTestId('risk-chart-table');
    await table.locator('summary').focus();
    await page.keyboard.press('Enter');
    for (const l of RISK_LEVELS) {
      expect(await table.locator(`tr[data-row="${l}"] td`).textContent()).toBe((expected[l] + (l === 'low' ? 1 : 0)).toLocaleString('en-US'));
    }
    await page.getByTestId('days-chart-table').locator('summary').click();
    expect(await page.getByTestId('days-chart-table').locator('tbody tr').count()).toBe(5);
    expect(await page.getByTestId('days-chart').locator('[data-bucket="30+"]').getAttribute('data-count')).toBe(
      String(fleet.filter((d) => (d.offlineDays ?? d.enrolledDaysAgo) > 30).length),
    );

    // The table holds the whole tenant but renders only the rows on screen; scrolling pages in more.
    await expect.poll(() => page.getByTestId('devices-count').textContent()).toMatch(new RegExp(`of ${(FLEET + 2).toLocaleString('en-US')} loaded`));
    expect(await page.locator('.devices-scroll [role="row"]').count()).toBeLessThan(60);
    // Default order: worst first, i.e. the longest since the last sync (never synced: since enrollment) at the top.
    const daysOf = (d: FleetDevice) => d.offlineDays ?? d.enrolledDaysAgo;
    const worst = Math.max(...fleet.map(daysOf));
    const firstId = await page.locator('.devices-scroll [role="row"][data-id]').first().getAttribute('data-id');
    expect(fleet.filter((d) => daysOf(d) === worst).map((d) => d.id)).toContain(firstId);
    const scroller = page.getByTestId('devices-scroll');
    for (let i = 0; i < 4; i++) await scroller.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await expect.poll(() => page.getByTestId('devices-count').textContent()).toMatch(/^(2|3|4|5)00 of/);
    expect(await page.locator('.devices-scroll [role="row"]').count()).toBeLessThan(60);

    // Filter by level on the server: every row shown is critical.
    await page.getByLabel('Filter by risk').selectOption('critical');
    await expect.poll(() => page.getByTestId('devices-count').textContent()).toMatch(new RegExp(`of ${expected.critical.toLocaleString('en-US')} loaded`));
    const levels = await page.locator('.devices-scroll [role="row"]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-level')));
    expect(new Set(levels)).toEqual(new Set(['critical']));

    // Search finds Bo's laptop; its detail says why it is critical.
    await page.getByLabel('Search devices').fill('bo@acme');
    await expect.poll(() => page.locator('.devices-scroll [role="row"]').count()).toBe(1);
    await page.locator('[data-id="dev_bo_laptop"]').click();
    const detail = page.getByTestId('device-detail');
    await expect.poll(() => detail.getByTestId('detail-reasons').textContent()).toMatch(/Last sync 57(\.\d)? days ago/);

    // Block: the confirm button stays disabled until a reason is given; Cancel changes nothing.
    await detail.getByRole('button', { name: 'Block' }).click();
    const dialog = page.getByTestId('admin-action-dialog');
    expect(await dialog.getByRole('button', { name: 'Block device' }).isDisabled()).toBe(true);
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    const blockedAt = () => {
      const db = new Database(server.dbPath, { readonly: true });
      const row = db.prepare('SELECT blocked_at, blocked_reason FROM devices WHERE id = ?').get('dev_bo_laptop') as {
        blocked_at: string | null;
        blocked_reason: string | null;
      };
      db.close();
      return row;
    };
    expect(blockedAt().blocked_at).toBeNull();
    await detail.getByRole('button', { name: 'Block' }).click();
    await dialog.getByLabel('Reason').fill('No sync for 8 weeks; laptop presumed lost');
    await dialog.getByRole('button', { name: 'Block device' }).click();
    await expect.poll(() => page.getByTestId('admin-notice').textContent()).toMatch(/Bo's laptop blocked/);
    await expect.poll(() => detail.getByTestId('blocked-reason').textContent()).toMatch(/presumed lost/);
    // The same words as the device's own Outbox (shared/risk/device-state): a blocked device does not sync.
    expect(await detail.getByTestId('detail-allowed').textContent()).toMatch(
      /^Allowed on the device: read and capture\. Nothing syncs until an administrator unblocks/,
    );
    expect(blockedAt()).toMatchObject({ blocked_reason: 'No sync for 8 weeks; laptop presumed lost' });
    const db = new Database(server.dbPath, { readonly: true });
    const audit = db.prepare("SELECT payload FROM server_audit WHERE action = 'device.blocked' AND subject = ?").get('dev_bo_laptop') as { payload: string };
    db.close();
    expect(JSON.parse(audit.payload)).toMatchObject({ reason: 'No sync for 8 weeks; laptop presumed lost', user: 'erin@acme' });
    await expect.poll(() => detail.getByRole('button', { name: 'Unblock' }).count()).toBe(1);
    await page.screenshot({ path: 'test-results/admin-board.png' });

    // Revoking asks for the device's name as well.
    await detail.getByRole('button', { name: 'Revoke keys' }).click();
    await dialog.getByLabel('Reason').fill('Laptop reported stolen');
    expect(await dialog.getByRole('button', { name: 'Revoke keys' }).isDisabled()).toBe(true);
    await dialog.getByLabel('Device name').fill("Bo's laptop");
    await dialog.getByRole('button', { name: 'Revoke keys' }).click();
    await expect.poll(() => detail.textContent()).toMatch(/Keys revoked/);

    expect(cspViolations).toEqual([]);
    await page.close();
  });
});
