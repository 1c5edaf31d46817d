// Reviewers decide on the content (issue 17), in the browser: a reviewer's web host and two in-process
// devices (an admin that hands out the tenant key, a field device whose "unsafe" report waits at its RED
// step) against one real server process. The reviewer finds the report by its ID under "All devices",
// reads the record (its title fields, the value that made it RED) and the AI step's text in the card and
// in the approval dialog, approves, sees the confirmation; the field device's run finishes.
import { describe, expect, it } from 'vitest';
import { createProfile, hostSuite } from './harness';
import { handOutKey, teamSetup } from './devices';

const suite = hostSuite();
const newTeam = teamSetup((dir, port) => suite.startServer(dir, port));

const report = (reportId: string, siteIds: string[], conclusion: string, summary: string) => ({
  reportId,
  siteIds,
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion,
  summary,
  submittedBy: { name: 'Dana Demo' },
});
const VALVE = 'Pump station 11: the pressure relief valve is stuck closed; the station runs in manual mode until it is replaced.';

describe('a reviewer decides on the content', () => {
  it(
    'finds RPT-2026-103 by its ID, sees the report and the AI step in the card and the dialog, approves, sees the confirmation; the field run finishes',
    { timeout: 150_000 },
    async () => {
      const team = await newTeam();
      const admin = await team.device('Erin Admin', 'erin@acme', 'admin');
      const field = await team.device('Dana Field', 'dana@acme', 'field');

      const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
      await page.goto(suite.host.launchUrl);
      const nav = await createProfile(page, 'Rita Reviewer', 'acme');
      await team.enrollInUi(page, nav, 'rita@acme', 'reviewer');

      await handOutKey(admin, field);
      const run = await field.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report('RPT-2026-103', ['PS-11'], 'unsafe', VALVE) });
      expect(run).toMatchObject({ status: 'awaiting_approval', title: 'Site inspection report · RPT-2026-103' });
      const other = await field.runs.start({
        workflow: 'site-inspection-report@1.0.0',
        input: report('RPT-2026-104', ['PS-12'], 'unsafe', 'Pump station 12: the fence is down along the north side; the site is open to the public.'),
      });
      expect(other.status).toBe('awaiting_approval');
      await field.sync.syncNow();
      const fieldId = field.sync.config()!.deviceId;

      // Decision cards → All devices → Pull now, then search by the report ID: only that report's cards.
      await nav.getByRole('button', { name: 'Decision cards' }).click();
      await page.getByRole('button', { name: 'All devices' }).click();
      await page.getByRole('button', { name: 'Pull now' }).first().click();
      const rows = page.locator(`[data-testid="team-card-row"][data-device="${fieldId}"]`);
      await expect.poll(() => rows.count(), { timeout: 20000 }).toBeGreaterThan(2);
      await page.getByLabel('Search cards').fill('RPT-2026-103');
      const expected = field.runs.cards.forRun(run.id).map((c) => c.id);
      await expect
        .poll(() => rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-id'))), { timeout: 10000 })
        .toEqual(expect.arrayContaining([expected[0]]));
      await expect.poll(() => rows.count(), { timeout: 10000 }).toBe(expected.length);
      const waiting = page.locator(`[data-testid="team-card-row"][data-device="${fieldId}"][data-status="awaiting_approval"]`);
      expect(await waiting.count()).toBe(1);
      await waiting.first().click();

      // The card: the report by its title fields, the conclusion that made it RED, the AI step beside its source.
      const detail = page.getByTestId('card-detail');
      const record = detail.getByTestId('card-record');
      await record.waitFor({ timeout: 10000 });
      expect(await record.getByTestId('record-title').textContent()).toBe('Site inspection report · RPT-2026-103');
      const fields = await record.getByTestId('record-fields').textContent();
      for (const s of ['Report ID', 'RPT-2026-103', 'Sites covered', 'PS-11', 'Period', '2026-11-01 – 2026-11-20', 'Conclusion']) expect(fields).toContain(s);
      const red = record.locator('[data-red="true"]');
      expect(await red.count()).toBe(1);
      expect(await red.textContent()).toMatch(/Conclusion\s*unsafe\s*made it RED/);
      const ai = record.getByTestId('record-ai');
      expect(await ai.textContent()).toContain('Summarise the report');
      expect(await ai.getByTestId('record-ai-source').first().textContent()).toContain('pressure relief valve is stuck closed');
      // The AI summary under review, made on Dana's device before the run reached the review gate.
      const summary = (await ai.getByTestId('record-ai-text').textContent()) ?? '';
      expect(summary.length).toBeGreaterThan(10);
      expect(await record.getByTestId('record-outcome').textContent()).toMatch(/Approve:.*Submit the report.*Reject:.*nothing is submitted/s);
      expect(await record.textContent()).not.toContain('Dana Demo'); // PII stays out
      await page.screenshot({ path: 'test-results/review-card.png' });

      // The dialog shows the same record before the reviewer confirms.
      await detail.getByRole('button', { name: 'Approve' }).click();
      const dialog = page.getByTestId('decision-dialog');
      const inDialog = dialog.getByTestId('card-record');
      await inDialog.waitFor({ timeout: 10000 });
      expect(await inDialog.getByTestId('record-title').textContent()).toBe('Site inspection report · RPT-2026-103');
      expect(await inDialog.locator('[data-red="true"]').textContent()).toContain('unsafe');
      expect(await inDialog.getByTestId('record-ai-source').first().textContent()).toContain('pressure relief valve');
      expect(await inDialog.getByTestId('record-ai-text').textContent()).toBe(summary);
      await page.screenshot({ path: 'test-results/review-dialog.png' });
      await dialog.getByLabel('Comment (why)').fill('Valve replacement booked; proceed.');
      await dialog.getByRole('button', { name: 'Approve' }).click();

      // The confirmation names what was decided and what happens next, and holds the focus.
      const confirmation = page.getByTestId('decision-confirmation');
      await confirmation.waitFor({ timeout: 20000 });
      expect(await confirmation.textContent()).toMatch(/You approved/);
      await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid')), { timeout: 5000 }).toBe('decision-confirmation');
      await expect.poll(() => detail.getByTestId('team-decision').getAttribute('data-state'), { timeout: 45000, interval: 500 }).toBe('accepted');

      // The field device pulls the approval and its run finishes; the other report still waits.
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
      expect(field.runs.get(other.id).status).toBe('awaiting_approval');
      await page.close();
    },
  );
});
