// A governed run in the browser: a reviewer's device (web host enrolled with a real sync-server
// process) starts the sample inspection-report workflow with an "unsafe" conclusion, the run waits at
// its first RED step (the policy's approval invariant). Four eyes (on in the shipped policy): the
// reviewer who started it cannot approve it, the dialog says so and the run keeps waiting. A second
// reviewer (an in-process device; an admin device hands out the tenant key) approves it from their
// own device, this device pulls the approval, the run finishes, and the decision cards show the lane,
// the invariants and the approval.
import { describe, expect, it } from 'vitest';
import { createProfile, hostSuite } from './harness';
import { handOutKey, teamSetup } from './devices';
import { createDispatcher } from '../src/main/app/dispatch';
import type { TeamPage, TeamRunView } from '../src/shared/team/views';

const suite = hostSuite();
const newTeam = teamSetup((dir, port) => suite.startServer(dir, port));

describe('governed run with a RED step (web host + server process)', () => {
  it(
    'waits for approval, refuses its own starter (four eyes), is approved by another reviewer, finishes, and leaves cards with reasons',
    { timeout: 150_000 },
    async () => {
      const team = await newTeam();

      const page = await suite.browser.newPage({ viewport: { width: 1500, height: 1100 } });
      const cspViolations: string[] = [];
      page.on('console', (m) => /Content Security Policy/i.test(m.text()) && cspViolations.push(m.text()));
      await page.goto(suite.host.launchUrl);
      const nav = await createProfile(page, 'Rita Reviewer', 'acme');
      await team.enrollInUi(page, nav, 'rita@acme', 'reviewer');
      await expect.poll(() => page.getByTestId('submit-freshness').textContent(), { timeout: 15000 }).toMatch(/Submissions allowed/);

      // Start the sample workflow with input that its risk hints classify RED.
      await nav.getByRole('button', { name: 'Runs' }).click();
      await page.getByLabel('Workflow').selectOption('site-inspection-report@1.0.0');
      await page.getByLabel('Report ID').fill('RPT-2026-042');
      await page.getByRole('button', { name: 'Add to Sites covered' }).click();
      await page.getByRole('textbox', { name: 'Site ID' }).fill('PS-7');
      await page.getByRole('group', { name: 'Period' }).getByLabel('From').fill('2026-11-01');
      await page.getByRole('group', { name: 'Period' }).getByLabel('To').fill('2026-11-20');
      await page.getByLabel('Conclusion').selectOption('unsafe');
      await page.getByLabel('Summary').fill('Pump station 7: cracked pressure vessel; site closed until repaired.');
      await page.getByRole('group', { name: 'Submitted by' }).getByLabel('Name', { exact: true }).fill('Rita Reviewer');
      await page.getByRole('button', { name: 'Start run' }).click();

      const detail = page.getByTestId('run-detail');
      await expect.poll(() => detail.getAttribute('data-status'), { timeout: 20000 }).toBe('awaiting_approval');
      const runId = (await detail.getAttribute('data-id'))!;
      // The steps before it ran; one step waits; submit has not run.
      const stepStatus = (id: string) => detail.locator(`[data-step="${id}"]`).getAttribute('data-status');
      expect(await detail.locator('[data-step]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')))).toContain('awaiting_approval');
      expect(await stepStatus('submit')).toBe('pending');
      // Why it waits, in words, once: no invariant id, no raw approval state.
      expect(await detail.getByTestId('run-state').getByTestId('plain-what').textContent()).toMatch(/high risk \(red\), so a reviewer must approve it/);
      expect(await detail.innerText()).not.toMatch(/INV\.|not_required/);
      expect(await page.locator(`.run-row[data-id="${runId}"]`).getAttribute('data-status')).toBe('awaiting_approval');
      // Titled by its report; no admin device ever made a team key, so no other reviewer can see it: the run says so.
      expect(await detail.locator('header strong').first().textContent()).toBe('Site inspection report · RPT-2026-042');
      expect(await detail.getByTestId('run-reach').textContent()).toMatch(/no team key/);
      expect(await page.locator(`.run-row[data-id="${runId}"]`).getByTestId('run-reach-short').count()).toBe(1);

      // Four eyes: Rita started this run, so she cannot decide on it; the run says so before anyone
      // clicks, with no Approve button (the main process refuses such a decision too: runs/real-policy.test.ts).
      expect(await detail.getByTestId('decision-not-allowed').textContent()).toBe('You started this run, so another reviewer decides it (four eyes).');
      expect(await detail.getByRole('button', { name: 'Approve' }).count()).toBe(0);
      expect(await detail.getAttribute('data-status')).toBe('awaiting_approval');
      expect(await stepStatus('submit')).toBe('pending');

      // Another reviewer decides from their own device: an admin device hands out the tenant key, this
      // device shares its waiting run on its next sync, Sam approves it, and this device pulls the approval.
      const admin = await team.device('Erin Admin', 'erin@acme', 'admin');
      const sam = await team.device('Sam Reviewer', 'sam@acme', 'reviewer');
      await handOutKey(admin, sam);
      await nav.getByRole('button', { name: 'Outbox' }).click();
      const samApi = createDispatcher(sam);
      const shared = async (): Promise<TeamRunView | undefined> => {
        await page.getByRole('button', { name: 'Sync now' }).click();
        await sam.team.pull();
        const r = await samApi('runs.list', { scope: 'tenant' });
        return (r.ok ? (r.data as TeamPage<TeamRunView>).items : []).find((x) => x.run.id === runId && x.awaitingCard !== null);
      };
      await expect.poll(shared, { timeout: 45000, interval: 1000 }).toBeTruthy();
      const rr = (await shared())!;
      const decided = await samApi('runs.decide', {
        scope: 'tenant',
        device: rr.device,
        runId,
        cardId: rr.awaitingCard!,
        decision: 'approve',
        comment: 'Checked the photos with the site lead; closure is right.',
        confirm: true,
      });
      expect(decided).toMatchObject({ ok: true, data: { state: 'queued' } });
      await sam.sync.syncNow();
      await nav.getByRole('button', { name: 'Runs' }).click();
      await page.locator(`.run-row[data-id="${runId}"]`).click();
      await expect.poll(() => detail.getAttribute('data-status'), { timeout: 45000, interval: 500 }).toBe('succeeded');
      expect(await stepStatus('submit')).toBe('succeeded');

      // The cards: the RED gate's card carries the approval and its reasons.
      await detail.getByRole('button', { name: 'Open its cards' }).click();
      await page.getByTestId('card-list').waitFor();
      await page.getByLabel('Filter by lane').selectOption('RED');
      await expect.poll(() => page.locator('.card-row').count()).toBeGreaterThan(0);
      const approved = page.locator('.card-row[data-status="approved"]');
      await approved.first().click();
      const card = page.getByTestId('card-detail');
      await expect.poll(() => card.getByTestId('card-approval').textContent()).toMatch(/approved by .* closure is right/);
      expect(await card.textContent()).toMatch(/unsafe/i);
      expect(await card.getByTestId('card-invariants').locator('li').count()).toBeGreaterThan(0);
      // The card leads in words: approved by whom and why; an approved card's approval check is not "failed"; the codes are under Details.
      expect(await card.getByTestId('card-what').textContent()).toMatch(/sam@acme.*Checked the photos/);
      expect(await card.innerText()).not.toMatch(/INV\.|invariant failed|not required|did not pass/);
      const checks: string[] = [];
      for (let i = 0; i < (await approved.count()); i++) {
        await approved.nth(i).click();
        await expect.poll(() => card.getAttribute('data-id')).toBe(await approved.nth(i).getAttribute('data-id'));
        checks.push((await card.getByTestId('card-checks').textContent()) ?? '');
      }
      // The review gate's card: its checks passed, and it says who approved it (never "1 invariant failed").
      expect(checks.some((c) => /^All \d+ checks passed · Approved by sam@acme$/.test(c))).toBe(true);
      await card.getByTestId('card-details').locator('summary').click();
      await expect.poll(() => card.getByTestId('card-invariants').isVisible()).toBe(true);

      // Keyboard: moving down selects the next card.
      await page.getByLabel('Filter by lane').selectOption('');
      await expect.poll(() => page.locator('.card-row').count()).toBeGreaterThan(2);
      await page.getByTestId('cards-view').focus();
      const first = await page.locator('.card-row[aria-selected="true"]').getAttribute('data-id');
      await page.keyboard.press('ArrowDown');
      await expect.poll(() => page.locator('.card-row[aria-selected="true"]').getAttribute('data-id')).not.toBe(first);
      expect(await page.getByTestId('lane-chart').locator('svg').count()).toBeGreaterThan(0);
      // The chart's table alternative: one row per day, a column per lane, the same counts.
      const laneTable = page.getByTestId('lane-chart-table');
      await laneTable.locator('summary').click();
      expect(await laneTable.locator('thead th').allInnerTexts()).toEqual(['Day', 'GREEN', 'YELLOW', 'RED']);
      const laneTotal = (await laneTable.locator('tbody td').allInnerTexts()).reduce((n, x) => n + Number(x), 0);
      expect(laneTotal).toBeGreaterThan(0);
      await page.screenshot({ path: 'test-results/runs-cards.png' });
      expect(cspViolations).toEqual([]);
      await page.close();
    },
  );
});
