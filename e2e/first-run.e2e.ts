// First start as a field user (issue 17): three short steps of what the app does for this role, dismissed
// for good (also after a reload) and shown again from Help. Then a RED run waits for a reviewer: its card
// leads with what happened and who decides, in words, and the invariant id shows only once Details is opened.
import { describe, expect, it } from 'vitest';
import { createProfile, hostSuite } from './harness';

const suite = hostSuite();

describe('first run and plain words (web host)', () => {
  it('shows the field user three steps once, then a waiting card in words with its codes under Details', async () => {
    const page = await suite.browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Dana Field', 'acme');

    const intro = page.getByTestId('intro');
    await intro.waitFor();
    expect(await intro.getAttribute('data-role')).toBe('field');
    expect(await intro.getByTestId('intro-step').count()).toBe(3);
    expect(await intro.getByRole('heading').textContent()).toBe('What Maestro does for you as a field user');
    await intro.getByRole('button', { name: 'Got it' }).click();
    await intro.waitFor({ state: 'detached' });

    // Remembered: a reload does not bring it back; Help does.
    await page.reload();
    await nav.getByRole('button', { name: 'Runs' }).click();
    // An empty list says what to do.
    await expect.poll(() => page.getByTestId('runs-empty').textContent()).toMatch(/^No runs yet\. Choose a workflow under Start run/);
    expect(await page.getByTestId('intro').count()).toBe(0);
    await nav.getByRole('button', { name: 'Help' }).click();
    await intro.waitFor();
    await intro.getByRole('button', { name: 'Got it' }).click();
    await intro.waitFor({ state: 'detached' });

    // A RED report: the run waits for a reviewer, and this device has none.
    await nav.getByRole('button', { name: 'Runs' }).click();
    await page.getByLabel('Workflow').selectOption('site-inspection-report@1.0.0');
    await page.getByLabel('Report ID').fill('RPT-2026-201');
    await page.getByRole('button', { name: 'Add to Sites covered' }).click();
    await page.getByRole('textbox', { name: 'Site ID' }).fill('PS-9');
    await page.getByRole('group', { name: 'Period' }).getByLabel('From').fill('2026-11-01');
    await page.getByRole('group', { name: 'Period' }).getByLabel('To').fill('2026-11-20');
    await page.getByLabel('Conclusion').selectOption('unsafe');
    await page.getByLabel('Summary').fill('Pump station 9: corroded valve; site closed until repaired.');
    await page.getByRole('group', { name: 'Submitted by' }).getByLabel('Name', { exact: true }).fill('Dana Field');
    await page.getByRole('button', { name: 'Start run' }).click();
    const detail = page.getByTestId('run-detail');
    await expect.poll(() => detail.getAttribute('data-status'), { timeout: 20000 }).toBe('awaiting_approval');
    const state = detail.getByTestId('run-state');
    expect(await state.getByTestId('plain-what').textContent()).toMatch(/high risk \(red\), so a reviewer must approve it/);
    expect(await state.getByTestId('plain-next').textContent()).toMatch(/A reviewer of your team decides/);
    expect(await detail.innerText()).not.toMatch(/INV\.|not_required/);

    // The waiting card: what happened, why (who decides), what next; the invariant id only under Details.
    await detail.getByRole('button', { name: 'Open its cards' }).click();
    await page.getByTestId('card-list').waitFor();
    await page.locator('.card-row[data-status="awaiting_approval"]').first().click();
    const card = page.getByTestId('card-detail');
    await expect.poll(() => card.getAttribute('data-status')).toBe('awaiting_approval');
    expect(await card.getByTestId('card-what').textContent()).toBe('This work is marked high risk (red), so a reviewer must approve it before it goes on.');
    expect(await card.getByTestId('card-why').textContent()).toMatch(/^Why you: A reviewer of your team decides\. This device is not enrolled in a team yet/);
    expect(await card.getByTestId('card-checks').textContent()).toMatch(/Waiting for a reviewer/);
    // The run waits at the workflow's review gate (the policy guards the submit after it): the checks
    // the gate ran are listed only under Details.
    const inv = card.locator('[data-invariant]').first();
    expect(await inv.count()).toBe(1);
    expect(await inv.isVisible()).toBe(false);
    expect(await card.innerText()).not.toMatch(/INV\.|not required|not_required/);
    await card.getByTestId('card-details').locator('summary').click();
    await expect.poll(() => inv.isVisible()).toBe(true);
    expect(await inv.getAttribute('data-invariant')).toMatch(/^INV\./);
    await page.screenshot({ path: 'test-results/first-run-card-detail.png' });

    // Filtered to what waits, with nothing waiting for a reviewer-less filter: the empty list says so.
    await page.getByLabel('Filter by lane').selectOption('GREEN');
    await page.getByLabel('Filter by status').selectOption('awaiting_approval');
    await expect.poll(() => page.locator('.card-list.empty').textContent()).toMatch(/^Nothing waiting for you/);
    await page.screenshot({ path: 'test-results/first-run-card.png' });
    await page.close();
  });
});
