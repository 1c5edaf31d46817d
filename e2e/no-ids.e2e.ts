// Every view tells people things in words: a field device (Dana) and an admin/reviewer device (Erin),
// two web hosts against one sync server, with a run waiting for approval, its cards, audit entries and
// the devices board. Every nav view of both (both scopes where a view has them, with a row opened) is
// read as a person sees it — the page's visible innerText, so title attributes (the ids on hover) and
// closed <details> do not count — and fails on an internal id (prof_…, dev_…) or raw JSON.
import { afterAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { createProfile, enrollInUi, hostSuite, newDataDir, startHost, VAULT_ENV, type RunningHost } from './harness';
import { enrollToken, freePort } from '../test/integration/server-process';

const suite = hostSuite();
const hosts: RunningHost[] = [];
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
});

const ID = /\b(?:prof|dev)_[A-Za-z0-9_-]{3,}/;
const RAW_JSON = /\{\s*"/;

/** What a person reads on the page now. */
const visibleText = (page: Page): Promise<string> => page.evaluate(() => document.body.innerText);

/** Everything found, reported together at the end (one run shows every view that needs fixing). */
const problems: string[] = [];

async function expectWords(page: Page, where: string): Promise<void> {
  const text = await visibleText(page);
  const around = (m: RegExpExecArray) => text.slice(Math.max(0, m.index - 60), m.index + 60).replace(/\s+/g, ' ');
  const id = ID.exec(text);
  if (id) problems.push(`${where}: an internal id is shown: …${around(id)}…`);
  const json = RAW_JSON.exec(text);
  if (json) problems.push(`${where}: raw JSON is shown: …${around(json)}…`);
}

/** Click the first element matching `rows` (when there is one), then check the page. */
async function openFirst(page: Page, rows: Locator, where: string): Promise<void> {
  if ((await rows.count()) > 0) {
    await rows.first().click();
    await page.waitForTimeout(300);
    await expectWords(page, `${where} (first row opened)`);
  }
}

/** Every nav view; the views with scopes in both; the lists' first rows opened. */
async function walk(page: Page, nav: Locator, who: string): Promise<string[]> {
  // The views (the notification bell opens a dialog, walked once at the end).
  const views = nav.locator('button:not([data-testid="notify-bell"])');
  const labels = (await views.allTextContents()).map((l) => l.trim()).filter(Boolean);
  for (const label of labels) {
    await views.getByText(label, { exact: true }).click();
    await page.waitForTimeout(500);
    await expectWords(page, `${who} · ${label}`);
    const scopes = ['All devices', 'This device'];
    for (const scope of label === 'Runs' || label === 'Decision cards' ? scopes : [null]) {
      const where = scope ? `${who} · ${label} · ${scope}` : `${who} · ${label}`;
      if (scope) {
        const b = page.getByRole('button', { name: scope, exact: true });
        if ((await b.count()) === 0) continue;
        await b.first().click();
        await page.waitForTimeout(500);
        await expectWords(page, where);
      }
      if (label === 'Runs') await openFirst(page, page.locator('.run-row'), where);
      if (label === 'Decision cards') await openFirst(page, page.locator('.card-row'), where);
    }
    if (label === 'Audit') await openFirst(page, page.locator('.audit-row'), `${who} · Audit`);
    if (label === 'Devices (admin)') await openFirst(page, page.locator('.device-row[data-id]'), `${who} · Devices (admin)`);
  }
  // The notifications dialog (ids stay under each notice's closed Details).
  await nav.getByTestId('notify-bell').click();
  await page.waitForTimeout(300);
  await expectWords(page, `${who} · Notifications`);
  await page.getByRole('button', { name: 'Close', exact: true }).click();
  return labels;
}

describe('no internal ids or raw JSON on any view', () => {
  it('walks every view of a field device and a reviewer device', { timeout: 240_000 }, async () => {
    const serverDir = newDataDir();
    const port = await freePort();
    const server = await suite.startServer(serverDir, port);

    // Erin: admin and reviewer (the board, the tenant key, approvals), on the suite's host.
    const erin = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await erin.goto(suite.host.launchUrl);
    const erinNav = await createProfile(erin, 'Erin Admin', 'acme');
    await enrollInUi(erin, erinNav, server.url, enrollToken(serverDir, port, 'acme', 'erin@acme', 'admin'), 'erin@acme');

    // Dana: a field device on a second web host.
    const danaHost = await startHost(newDataDir(), VAULT_ENV);
    hosts.push(danaHost);
    const dana = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await dana.goto(danaHost.launchUrl);
    const danaNav = await createProfile(dana, 'Dana Field', 'acme');
    await enrollInUi(dana, danaNav, server.url, enrollToken(serverDir, port, 'acme', 'dana@acme', 'field'), 'dana@acme');

    // Erin's pull wraps the tenant key for Dana; Dana's pull takes it.
    await expect
      .poll(
        async () => {
          await erinNav.getByRole('button', { name: 'Team', exact: true }).click();
          await erin.getByRole('button', { name: 'Pull now' }).first().click();
          await danaNav.getByRole('button', { name: 'Team', exact: true }).click();
          await dana.getByRole('button', { name: 'Pull now' }).first().click();
          await dana.waitForTimeout(500);
          return dana.getByTestId('team-waiting-for-key').count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBe(0);

    // Dana starts a run that waits at its RED step and syncs it.
    await danaNav.getByRole('button', { name: 'Runs' }).click();
    await dana.getByLabel('Workflow').selectOption('site-inspection-report@1.0.0');
    await dana.getByLabel('Report ID').fill('RPT-2026-103');
    await dana.getByRole('button', { name: 'Add to Sites covered' }).click();
    await dana.getByRole('textbox', { name: 'Site ID' }).fill('PS-7');
    await dana.getByRole('group', { name: 'Period' }).getByLabel('From').fill('2026-11-01');
    await dana.getByRole('group', { name: 'Period' }).getByLabel('To').fill('2026-11-20');
    await dana.getByLabel('Conclusion').selectOption('unsafe');
    await dana.getByLabel('Summary').fill('Pump station 7: cracked pressure vessel; site closed until repaired.');
    await dana.getByRole('group', { name: 'Submitted by' }).getByLabel('Name', { exact: true }).fill('Dana Field');
    await dana.getByRole('button', { name: 'Start run' }).click();
    const detail = dana.getByTestId('run-detail');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 30_000 }).toBe('awaiting_approval');
    const runId = (await detail.getAttribute('data-id'))!;
    await danaNav.getByRole('button', { name: 'Outbox' }).click();
    await dana.getByRole('button', { name: 'Sync now' }).click();

    // Erin sees Dana's waiting run under All devices.
    await erinNav.getByRole('button', { name: 'Runs' }).click();
    await erin.getByRole('button', { name: 'All devices' }).click();
    const row = erin.locator(`[data-testid="team-run-row"][data-id="${runId}"]`);
    await expect
      .poll(
        async () => {
          await erin.getByRole('button', { name: 'Pull now' }).first().click();
          await erin.waitForTimeout(500);
          return row.count();
        },
        { timeout: 60_000, interval: 1000 },
      )
      .toBeGreaterThan(0);
    // Dana's device and Dana are named, not dev_…/prof_…; the id is there on hover.
    await row.first().click();
    const teamDetail = erin.getByTestId('team-run-detail');
    await teamDetail.waitFor();
    expect(await teamDetail.textContent()).toContain('dana@acme');

    // Erin approves it through the one decision dialog; the dialog and the confirmation name the device.
    await teamDetail.getByRole('button', { name: 'Approve' }).click();
    const dialog = erin.getByTestId('decision-dialog');
    await dialog.getByLabel('Comment (why)').fill('Vessel isolated; proceed.');
    await expectWords(erin, 'reviewer · decision dialog');
    await dialog.getByRole('button', { name: 'Approve' }).click();
    const confirmation = erin.getByTestId('decision-confirmation');
    await confirmation.waitFor();
    expect(await confirmation.textContent()).toContain('dana@acme’s device');
    await expectWords(erin, 'reviewer · after the decision');
    // Dana's device applies the approval (its approver is named on its card).
    await expect
      .poll(
        async () => {
          await danaNav.getByRole('button', { name: 'Team', exact: true }).click();
          await dana.getByRole('button', { name: 'Pull now' }).first().click();
          await danaNav.getByRole('button', { name: 'Runs' }).click();
          await dana.locator(`.run-row[data-id="${runId}"]`).first().click();
          return dana.getByTestId('run-detail').getAttribute('data-status');
        },
        { timeout: 90_000, interval: 2000 },
      )
      .not.toBe('awaiting_approval');

    const erinViews = await walk(erin, erinNav, 'reviewer');
    expect(erinViews).toEqual(expect.arrayContaining(['Runs', 'Decision cards', 'Audit', 'Team', 'Devices (admin)', 'Health', 'Outbox']));
    const danaViews = await walk(dana, danaNav, 'field');
    // The approved card on Dana's device names who approved it and where it was signed.
    await danaNav.getByRole('button', { name: 'Decision cards' }).click();
    await dana.getByRole('button', { name: 'This device', exact: true }).click();
    const approved = dana.locator('.card-row[data-status="approved"]');
    await expect.poll(() => approved.count(), { timeout: 20_000 }).toBeGreaterThan(0);
    await approved.first().click();
    // The approval line is part of the card's Details: open them.
    await dana.getByTestId('card-details').locator('summary').click();
    await dana.getByTestId('card-approval').waitFor();
    expect(await dana.getByTestId('card-approval').textContent()).toMatch(/erin@acme/);
    await expectWords(dana, 'field · the approved card');
    expect(danaViews).toEqual(expect.arrayContaining(['Runs', 'Decision cards', 'Audit', 'Team', 'Health', 'Outbox']));
    await erin.screenshot({ path: 'test-results/no-ids-reviewer.png' });
    expect(problems).toEqual([]);
  });
});
