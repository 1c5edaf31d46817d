// Team sync in the browser: a reviewer's web host and two in-process devices (an admin that hands
// out the tenant key, a field device whose run waits at a RED step) against one real server process.
// The reviewer sees the field device's run and card under "All devices" and approves it there; the
// field device pulls, verifies and finishes the run; the reviewer's views show the outcome, and a 3 MB
// photo the field device synced in chunks opens on the reviewer's page, verified against its digest.
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { createProfile, hostSuite } from './harness';
import { handOutKey, teamSetup } from './devices';

const suite = hostSuite();
const newTeam = teamSetup((dir, port) => suite.startServer(dir, port));

const report = {
  reportId: 'RPT-2026-077',
  siteIds: ['PS-7'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'unsafe',
  summary: 'Pump station 7: cracked pressure vessel; site closed until repaired.',
  submittedBy: { name: 'Ada Field' },
};

describe('team sync: a reviewer approves a field device run from its own machine', () => {
  it(
    'shows the remote run and card with device and freshness, approves, sees it applied, and opens the field photo verified',
    { timeout: 120_000 },
    async () => {
      const team = await newTeam();
      const admin = await team.device('Dana Admin', 'dana@acme', 'admin');
      const field = await team.device('Ada Field', 'ada@acme', 'field');

      const page = await suite.browser.newPage({ viewport: { width: 1500, height: 1100 } });
      const cspViolations: string[] = [];
      page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
      await page.goto(suite.host.launchUrl);
      const nav = await createProfile(page, 'Rita Reviewer', 'acme');
      await team.enrollInUi(page, nav, 'rita@acme', 'reviewer');

      // The admin wraps the tenant key for both; the field device's run waits at its RED step and syncs.
      await handOutKey(admin, field);
      const run = await field.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report });
      expect(run.status).toBe('awaiting_approval');
      await field.sync.syncNow();
      const fieldId = field.sync.config()!.deviceId;

      // The reviewer: Decision cards → All devices → Pull now; the field device's waiting card is there.
      await nav.getByRole('button', { name: 'Decision cards' }).click();
      await page.getByRole('button', { name: 'All devices' }).click();
      await page.getByRole('button', { name: 'Pull now' }).first().click();
      const row = page.locator(`[data-testid="team-card-row"][data-device="${fieldId}"][data-status="awaiting_approval"]`);
      await expect.poll(() => row.count(), { timeout: 20000 }).toBeGreaterThan(0);
      await expect.poll(() => page.getByTestId('team-freshness').textContent()).toMatch(/as of/i);
      // The device by name (its enrolled user), the id on hover only.
      expect(await row.first().textContent()).toContain('ada@acme’s device');
      expect(await row.first().textContent()).not.toContain(fieldId);
      expect(await row.first().locator(`[title="${fieldId}"]`).count()).toBe(1);
      // One card view in both scopes: the chart, the same filters and the sort are here too.
      await page.getByTestId('lane-chart').waitFor();
      await page.getByLabel('Sort cards by').selectOption('cost');
      await page.getByLabel('Filter by failed invariant').waitFor();
      await expect.poll(() => row.count(), { timeout: 10000 }).toBeGreaterThan(0);
      await row.first().click();
      const detail = page.getByTestId('card-detail');
      await detail.getByRole('button', { name: 'Approve' }).click();
      // The same dialog as for this device's own runs: what is decided, where, and what approving does.
      const dialog = page.getByTestId('decision-dialog');
      expect(await dialog.getByTestId('decision-effect').textContent()).toMatch(/^The run continues on that device once it pulls your approval/);
      expect(await dialog.getByTestId('decision-where').textContent()).toContain('ada@acme’s device');
      await dialog.getByLabel('Comment (why)').fill('Vessel isolated; proceed.');
      await dialog.getByRole('button', { name: 'Approve' }).click();
      await expect.poll(() => detail.getByTestId('team-decision').getAttribute('data-state'), { timeout: 20000 }).toMatch(/queued|accepted/);
      // Sent and accepted by the server: the decision leaves at once unless a sync was already under way
      // when it was queued, and then with the next one (the host syncs every 15 s).
      await expect.poll(() => detail.getByTestId('team-decision').getAttribute('data-state'), { timeout: 45000, interval: 500 }).toBe('accepted');

      // The field device pulls the signed approval, verifies it and finishes the run.
      await expect
        .poll(
          async () => {
            await field.team.pull();
            return field.runs.get(run.id).status;
          },
          { timeout: 30000, interval: 500 },
        )
        .not.toBe('awaiting_approval');
      await field.runs.idle();
      expect(field.runs.get(run.id).status).toBe('succeeded');
      expect(field.runs.cards.get(run.cardIds[run.cardIds.length - 1] ?? '').id).toBeTruthy();
      await field.sync.syncNow();

      // The reviewer's Runs view (All devices) shows the run finished, applied on the field device.
      await nav.getByRole('button', { name: 'Runs' }).click();
      await page.getByRole('button', { name: 'All devices' }).click();
      await page.getByRole('button', { name: 'Pull now' }).first().click();
      const runRow = page.locator(`[data-testid="team-run-row"][data-id="${run.id}"]`);
      await expect.poll(() => runRow.getAttribute('data-status'), { timeout: 20000 }).toBe('succeeded');
      await expect.poll(() => runRow.getByTestId('team-decision').getAttribute('data-state'), { timeout: 20000 }).toBe('applied');
      await page.screenshot({ path: 'test-results/team-sync.png' });

      // A 3 MB photo from the field device goes up in sealed chunks with its record; the reviewer opens
      // it on demand (Team → Captures → Open): downloaded with progress, verified against its digest, shown.
      const photo = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), randomBytes(3 * 1024 * 1024)]);
      const put = field.capture.attachments.put(photo, 'vessel.jpg', 'image/jpeg', new Date().toISOString());
      field.capture.submit({
        contract: 'field.inspect.site@1.2.0',
        data: { siteId: 'PS-7', inspectedAt: '2026-11-20', location: { lat: 52, lon: 4 }, condition: 'poor', inspector: { name: 'Ada' }, photos: [put.ref] },
      });
      expect(await field.sync.syncNow()).toMatchObject({ failed: 0 });
      await nav.getByRole('button', { name: 'Team' }).click();
      await page.getByRole('button', { name: 'Pull now' }).first().click();
      const capture = page.locator(`[data-testid="team-capture"][data-device="${fieldId}"]`).filter({ hasText: 'attachment' });
      await expect.poll(() => capture.count(), { timeout: 20000 }).toBeGreaterThan(0);
      await capture.first().locator('summary').click();
      await capture.first().getByRole('button', { name: 'Open' }).click();
      await capture.first().getByTestId('attachment-verified').waitFor({ timeout: 30000 });
      const src = (await capture.first().getByTestId('attachment-preview').getAttribute('src')) ?? '';
      expect(src.startsWith('data:image/jpeg;base64,')).toBe(true);
      expect(Buffer.from(src.slice(src.indexOf(',') + 1), 'base64').equals(photo)).toBe(true);
      expect(cspViolations).toEqual([]);
      await page.close();
    },
  );
});
