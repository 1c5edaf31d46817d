// Keyboard only (issue 21, item 5): three journeys done with Tab, Shift+Tab, Enter, Space, the arrow
// keys and typing, no pointer. Setup (a profile, enrollment, other devices, a seeded fleet) uses the
// harness helpers; from the first key of a journey on, only `page.keyboard` moves. Locators only
// assert where the focus is, and that the focused element shows a focus ring (styles.css
// :focus-visible). A field user captures a record and submits it to the outbox; a reviewer reaches a
// decision card waiting for approval and approves it; an admin finds a stale device and blocks it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import type { Browser, Locator, Page } from 'playwright-core';
import { createProfile, launchBrowser, newDataDir, startHost, VAULT_ENV, type RunningHost } from './harness';
import { startServer, type ServerProc } from '../test/integration/server-process';
import { seedFleet, syntheticFleet, type FleetDevice } from '../scripts/fleet-seed';
import { seriousViolations } from './axe';
import { handOutKey, teamSetup } from './devices';

// Each journey has its own web host (its own profile); servers and in-process devices are closed after.
let browser: Browser;
const hosts: RunningHost[] = [];
const servers: ServerProc[] = [];
beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all([...hosts, ...servers].map((h) => h.stop()));
  await browser?.close();
});
// Registered after the afterAll above, so its devices close first (hooks run as a stack).
const newTeam = teamSetup(async (dir, port) => {
  const sv = await startServer(dir, port);
  servers.push(sv);
  return sv;
});

/** A fresh web host and a page on it, at first run; `name` / `tenant` create the profile. */
async function openHost(name: string, tenant: string, viewport = { width: 1400, height: 900 }): Promise<{ page: Page; nav: Locator }> {
  const host = await startHost(newDataDir(), VAULT_ENV);
  hosts.push(host);
  // A page of its own context: axe (e2e/axe.ts) cannot run in a page from browser.newPage().
  const page = await (await browser.newContext({ viewport })).newPage();
  await page.goto(host.launchUrl);
  return { page, nav: await createProfile(page, name, tenant) };
}

/** What has the focus: its tag, accessible-ish label (aria-label, its <label> without the control, or its text), test id and outline. */
interface Focused {
  tag: string;
  label: string;
  text: string;
  testid: string | null;
  role: string | null;
  outline: string;
}

function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return { tag: 'body', label: '', text: '', testid: null, role: null, outline: 'none' };
    const labels = (el as HTMLInputElement).labels;
    let fromLabel = '';
    if (labels && labels[0]) {
      const copy = labels[0].cloneNode(true) as HTMLElement;
      copy.querySelectorAll('input, select, textarea, button').forEach((c) => c.remove());
      fromLabel = copy.textContent ?? '';
    }
    const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
    return {
      tag: el.tagName.toLowerCase(),
      label: (el.getAttribute('aria-label') ?? (fromLabel || text)).replace(/\s+/g, ' ').trim(),
      text: text.slice(0, 300),
      testid: el.getAttribute('data-testid'),
      role: el.getAttribute('role'),
      outline: getComputedStyle(el).outlineStyle,
    };
  });
}

/** Presses Tab (or Shift+Tab) until the focused element matches; fails after `max` presses. */
async function tabTo(page: Page, what: string, match: (f: Focused) => boolean, opts: { back?: boolean; max?: number } = {}): Promise<Focused> {
  const seen: string[] = [];
  for (let i = 0; i < (opts.max ?? 120); i++) {
    await page.keyboard.press(opts.back ? 'Shift+Tab' : 'Tab');
    const f = await focused(page);
    if (match(f)) return f;
    seen.push(`${f.tag}:${f.label.slice(0, 40)}`);
  }
  throw new Error(`Tab did not reach ${what}; went through: ${seen.join(' | ')}`);
}

const labelled = (label: string, tag?: string) => (f: Focused) => f.label === label && (!tag || f.tag === tag);
const labelStarts = (label: string, tag?: string) => (f: Focused) => f.label.startsWith(label) && (!tag || f.tag === tag);
const button = (name: string) => labelled(name, 'button');

/** The focused <select>: Home, then ArrowDown until it holds `value` (its value or its option's text; a closed select changes on the arrow keys). */
async function chooseOption(page: Page, value: string): Promise<void> {
  const current = () =>
    page.evaluate((want) => {
      const sel = document.activeElement as HTMLSelectElement;
      const text = sel.selectedOptions[0]?.textContent?.trim().toLowerCase();
      return sel.value === want || text === want.toLowerCase() ? want : `${sel.value} (${text})`;
    }, value);
  await page.keyboard.press('Home');
  for (let i = 0; i < 60; i++) {
    if ((await current()) === value) return;
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`the select never reached ${value}; it holds ${await current()}`);
}

/** The focus ring is drawn on what the keyboard reached. */
function expectRing(f: Focused): void {
  expect(f.outline, `focus ring on ${f.tag} "${f.label}"`).not.toBe('none');
}

describe('keyboard-only journeys (web host)', () => {
  it('a field user captures a site inspection and submits it to the outbox', { timeout: 90_000 }, async () => {
    const { page } = await openHost('Ada Field', 'acme-field');
    await page.getByRole('heading', { name: 'Capture' }).waitFor();

    // The contract, then the required fields in the order Tab reaches them.
    expectRing(await tabTo(page, 'the contract picker', labelled('Contract', 'select')));
    await chooseOption(page, 'field.inspect.site@1.2.0');
    await expect.poll(() => page.locator('.contract-about').textContent()).toContain('v1.2.0');
    expectRing(await tabTo(page, 'Site ID', labelStarts('Site ID', 'input')));
    await page.keyboard.type('PS-7');
    await tabTo(page, 'Inspection date', labelStarts('Inspection date', 'input'));
    await page.keyboard.type('03142026');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement).value)).toBe('2026-03-14');
    await tabTo(page, 'Latitude', labelStarts('Latitude', 'input'));
    await page.keyboard.type('52.52');
    await tabTo(page, 'Longitude', labelStarts('Longitude', 'input'));
    await page.keyboard.type('13.405');
    const condition = await tabTo(page, 'Overall condition', labelStarts('Overall condition', 'select'));
    expectRing(condition);
    await chooseOption(page, 'fair');
    const accessible = await tabTo(page, 'Site accessible', labelStarts('Site accessible', 'input'));
    expectRing(accessible);
    await page.keyboard.press('Space');
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement).checked)).toBe(true);
    await tabTo(page, "the inspector's name", labelStarts('Name', 'input'));
    await page.keyboard.type('Ada Field');

    // Submit with Enter on the Submit button.
    const submit = await tabTo(page, 'Submit', button('Submit'));
    expectRing(submit);
    await page.keyboard.press('Enter');
    const result = page.getByTestId('capture-result');
    await result.waitFor({ timeout: 15000 });
    expect(await result.textContent()).toContain('Saved to outbox');
    const outboxId = await result.getAttribute('data-outbox-id');

    // Back to the navigation and into the Outbox: the record waits there.
    const outbox = await tabTo(page, 'Outbox in the navigation', button('Outbox'), { back: true });
    expectRing(outbox);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Outbox' }).waitFor();
    const row = page.locator(`[data-id="${outboxId}"]`);
    await row.waitFor({ timeout: 10000 });
    expect(await row.getAttribute('data-state')).toBe('queued');
    await page.context().close();
  });

  it('a reviewer reaches the decision card waiting for approval and approves it', { timeout: 150_000 }, async () => {
    const team = await newTeam();
    const admin = await team.device('Erin Admin', 'erin@acme', 'admin');
    const field = await team.device('Dana Field', 'dana@acme', 'field');
    const { page, nav } = await openHost('Rita Reviewer', 'acme');
    await team.enrollInUi(page, nav, 'rita@acme', 'reviewer');
    await handOutKey(admin, field);
    // Four eyes: Dana's device starts the run, so Rita may decide it.
    const run = await field.runs.start({
      workflow: 'site-inspection-report@1.0.0',
      input: {
        reportId: 'RPT-2026-301',
        siteIds: ['PS-31'],
        period: { from: '2026-11-01', to: '2026-11-20' },
        conclusion: 'unsafe',
        summary: 'Pump station 31: the inlet grating is missing; the station is closed until it is fitted.',
        submittedBy: { name: 'Dana Demo' },
      },
    });
    expect(run.status).toBe('awaiting_approval');
    await field.sync.syncNow();
    const waitingCard = field.runs.cards.forRun(run.id).find((c) => c.status === 'awaiting_approval')!.id;

    // From here on, the keyboard only. Decision cards in the navigation (Shift+Tab: the page sits on the Outbox).
    expectRing(await tabTo(page, 'Decision cards in the navigation', button('Decision cards'), { back: true }));
    await page.keyboard.press('Enter');
    await page.getByTestId('cards-view').waitFor();
    // All devices (the default on an enrolled device; Enter keeps it), then Pull now.
    const all = await tabTo(page, 'All devices', button('All devices'));
    expectRing(all);
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('scope-switch').getAttribute('data-scope')).toBe('all');
    await tabTo(page, 'Pull now', button('Pull now'));
    await page.keyboard.press('Enter');
    // Search by the report's ID.
    await tabTo(page, 'the card search', labelled('Search cards', 'input'));
    await page.keyboard.type('RPT-2026-301');
    await expect.poll(() => page.locator('[data-testid="team-card-row"][data-status="awaiting_approval"]').count(), { timeout: 30000, interval: 500 }).toBe(1);

    // The card list is reachable by Tab; the arrow keys select the waiting card.
    const list = await tabTo(page, 'the card list', (f) => f.role === 'listbox');
    expectRing(list);
    const selected = page.locator('[data-testid="team-card-row"][aria-selected="true"]');
    for (let i = 0; i < 20 && (await selected.getAttribute('data-id')) !== waitingCard; i++) await page.keyboard.press('ArrowDown');
    expect(await selected.getAttribute('data-id')).toBe(waitingCard);
    // A screen reader hears which card is selected: the list points at it.
    expect(await page.getByRole('listbox').first().getAttribute('aria-activedescendant')).toBe(await selected.getAttribute('id'));
    await expect.poll(() => page.getByTestId('card-detail').getAttribute('data-id')).toBe(waitingCard);

    // Tab on to the card's Approve; the dialog takes the focus in its comment.
    const approve = await tabTo(page, "the card's Approve", button('Approve'));
    expectRing(approve);
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('decision-dialog');
    await dialog.getByTestId('card-record').waitFor({ timeout: 10000 });
    await expect.poll(() => focused(page).then((f) => `${f.tag}:${f.label}`)).toBe('textarea:Comment (why)');
    expect(await seriousViolations(page, 'decision dialog')).toEqual([]);
    await page.keyboard.type('Grating ordered; the closure is right.');
    const confirm = await tabTo(page, "the dialog's Approve", button('Approve'));
    expectRing(confirm);
    expect(await page.evaluate(() => !!document.activeElement?.closest('[data-testid="decision-dialog"]'))).toBe(true);
    await page.keyboard.press('Enter');

    const confirmation = page.getByTestId('decision-confirmation');
    await confirmation.waitFor({ timeout: 20000 });
    expect(await confirmation.textContent()).toMatch(/You approved/);
    await expect.poll(() => focused(page).then((f) => f.testid), { timeout: 5000 }).toBe('decision-confirmation');
    await expect
      .poll(() => page.getByTestId('card-detail').getByTestId('team-decision').getAttribute('data-state'), { timeout: 45000, interval: 500 })
      .toBe('accepted');
    await page.context().close();
  });

  it('an admin finds the stale device on the Devices board and blocks it', { timeout: 90_000 }, async () => {
    const team = await newTeam();
    const bo: FleetDevice = { id: 'dev_bo_laptop', name: "Bo's laptop", user: 'bo@acme', offlineDays: 57, enrolledDaysAgo: 120, pending: 12, dead: 0 };
    seedFleet(team.server.dbPath, 'acme', [...syntheticFleet(200), bo], new Date());
    const { page, nav } = await openHost('Erin Admin', 'acme', { width: 1500, height: 1000 });
    await team.enrollInUi(page, nav, 'erin@acme', 'admin');
    await nav.getByRole('button', { name: 'Devices (admin)' }).waitFor({ timeout: 15000 });

    // Keyboard only from here: the board, the search, the row, Block, the reason, confirm.
    expectRing(await tabTo(page, 'Devices (admin) in the navigation', button('Devices (admin)'), { back: true }));
    await page.keyboard.press('Enter');
    await page.getByTestId('devices-scroll').waitFor({ timeout: 15000 });
    await tabTo(page, 'the device search', labelled('Search devices', 'input'));
    await page.keyboard.type('bo@acme');
    await expect.poll(() => page.locator('.devices-scroll [role="row"]').count(), { timeout: 10000 }).toBe(1);
    const row = await tabTo(page, "Bo's laptop's row", (f) => f.role === 'row' && f.text.includes("Bo's laptop"));
    expectRing(row);
    await page.keyboard.press('Enter');
    const detail = page.getByTestId('device-detail');
    await expect.poll(() => detail.getByTestId('detail-reasons').textContent(), { timeout: 10000 }).toMatch(/Last sync 57(\.\d)? days ago/);

    expectRing(await tabTo(page, 'Block', button('Block')));
    await page.keyboard.press('Enter');
    const dialog = page.getByTestId('admin-action-dialog');
    await dialog.getByRole('heading').waitFor();
    await expect.poll(() => focused(page).then((f) => `${f.tag}:${f.label}`)).toBe('textarea:Reason');
    expect(await seriousViolations(page, 'block device dialog')).toEqual([]);
    await page.keyboard.type('No sync for 8 weeks; laptop presumed lost');
    expectRing(await tabTo(page, 'Block device', button('Block device')));
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('admin-notice').textContent(), { timeout: 15000 }).toMatch(/Bo's laptop blocked/);
    await expect.poll(() => detail.getByTestId('blocked-reason').textContent()).toMatch(/presumed lost/);

    const db = new Database(team.server.dbPath, { readonly: true });
    const blocked = db.prepare('SELECT blocked_reason FROM devices WHERE id = ?').get('dev_bo_laptop') as { blocked_reason: string | null };
    db.close();
    expect(blocked.blocked_reason).toBe('No sync for 8 weeks; laptop presumed lost');
    await page.context().close();
  });
});
