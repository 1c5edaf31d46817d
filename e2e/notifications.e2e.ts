// OS notifications in the browser (issue 21 item 7, decision 0028): the web host is a field device
// whose run waits for a reviewer; a reviewer's device (in-process, with an admin that hands out the
// tenant key) approves it from its own machine. When the field device pulls the approval, its page
// shows a notification: the page's Notification is wrapped (addInitScript) to record what was shown,
// in a context where notifications are allowed. Its words carry no names or record values; the bell
// lists it, and it opens the run.
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { createProfile, hostSuite } from './harness';
import { handOutKey, teamSetup } from './devices';

const suite = hostSuite();
const newTeam = teamSetup((dir, port) => suite.startServer(dir, port));

const report = {
  reportId: 'RPT-2026-211',
  siteIds: ['PS-21'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'unsafe',
  summary: 'Pump station 21: the intake grille is missing; the site is closed until it is refitted.',
  submittedBy: { name: 'Ada Lindqvist' },
};

/** The web host's API from inside the page (its token is in the page's session storage). */
async function api<T>(page: Page, ch: string, input: unknown = {}): Promise<T> {
  const reply = await page.evaluate(
    async ([channel, body]) => {
      const token = sessionStorage.getItem('maestro.token');
      const res = await fetch(`/api/${channel}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify(body),
      });
      return (await res.json()) as { ok: boolean; data?: unknown; error?: unknown };
    },
    [ch, input] as const,
  );
  if (!reply.ok) throw new Error(`${ch}: ${JSON.stringify(reply.error)}`);
  return reply.data as T;
}

interface Shown {
  title: string;
  body: string;
}

/** Records every notification the page constructs, then lets the real one show. */
function recordNotifications(): void {
  const Real = window.Notification;
  const shown: Shown[] = [];
  (window as unknown as { __notifications: Shown[] }).__notifications = shown;
  function Recorded(title: string, options?: NotificationOptions): Notification {
    shown.push({ title, body: options?.body ?? '' });
    try {
      return new Real(title, options);
    } catch {
      return { close() {}, onclick: null } as unknown as Notification;
    }
  }
  Object.defineProperty(Recorded, 'permission', { get: () => Real.permission });
  Object.defineProperty(Recorded, 'requestPermission', { value: (...a: []) => Real.requestPermission(...a) });
  (window as unknown as { Notification: unknown }).Notification = Recorded;
}

const shownOn = (page: Page) => page.evaluate(() => (window as unknown as { __notifications?: Shown[] }).__notifications ?? []);

describe('notifications: an approval you wait for arrives', () => {
  it(
    'a reviewer approves on another device; the field page shows “Your run was approved” without names or record values, and the bell lists it',
    { timeout: 150_000 },
    async () => {
      const team = await newTeam();
      const admin = await team.device('Erin Admin', 'erin@acme', 'admin');
      const reviewer = await team.device('Rita Reviewer', 'rita@acme', 'reviewer');

      const context = await suite.browser.newContext({ permissions: ['notifications'], viewport: { width: 1400, height: 900 } });
      await context.addInitScript(recordNotifications);
      const page = await context.newPage();
      await page.goto(suite.host.launchUrl);
      const nav = await createProfile(page, 'Ada Lindqvist', 'acme');
      await team.enrollInUi(page, nav, 'ada@acme', 'field');

      // The admin wraps the tenant key for the field device, which picks it up; the run waits at its RED step and syncs.
      await handOutKey(admin);
      await api(page, 'sync.now');
      const { run } = await api<{ run: { id: string; status: string } }>(page, 'runs.start', { workflow: 'site-inspection-report@1.0.0', input: report });
      expect(run.status).toBe('awaiting_approval');
      await api(page, 'sync.now');
      const fieldId = (await api<{ enrolled: { deviceId: string } }>(page, 'sync.status')).enrolled.deviceId;

      // The reviewer pulls the waiting run and approves it from its own device.
      let cardId: string | null = null;
      await expect
        .poll(
          async () => {
            await reviewer.team.pull();
            cardId = reviewer.team.runsPage({ status: 'awaiting_approval' }).items.find((v) => v.run.id === run.id)?.awaitingCard ?? null;
            return cardId;
          },
          { timeout: 30000, interval: 500 },
        )
        .toBeTruthy();
      await reviewer.team.decideRemote({ device: fieldId, runId: run.id, cardId: cardId!, decision: 'approved', comment: 'Grille ordered; proceed.' });
      await reviewer.sync.syncNow();

      // The field device pulls the signed approval; its page is told.
      const approved = { title: 'Your run was approved', body: 'Site inspection report: a reviewer approved it, and the run goes on.' };
      await expect
        .poll(
          async () => {
            await api(page, 'team.pull').catch(() => null);
            return shownOn(page);
          },
          { timeout: 45000, interval: 1000 },
        )
        .toContainEqual(approved);
      await expect.poll(() => shownOn(page), { timeout: 30000 }).toContainEqual({ title: 'Your run finished', body: 'Site inspection report completed.' });
      const words = JSON.stringify(await shownOn(page));
      for (const pii of ['RPT-2026-211', 'PS-21', 'Ada', 'Lindqvist', 'ada@acme', 'rita@acme', 'Rita', 'Grille ordered', 'intake grille', run.id])
        expect(words).not.toContain(pii);
      // Nothing about runs waiting for approval: a field device may not decide.
      expect(words).not.toContain('waiting for your approval');

      // The bell: unread count, the list with the same words, the ids under Details, and it opens the run.
      const bell = page.getByTestId('notify-bell');
      await expect.poll(() => bell.getAttribute('aria-label')).toMatch(/^Notifications, \d+ unread$/);
      await bell.click();
      const dialog = page.getByTestId('notify-dialog');
      const item = dialog.locator('[data-testid="notification"][data-kind="approvalDecided"]');
      await item.waitFor({ timeout: 10000 });
      expect(await item.textContent()).toContain('Your run was approved');
      await item.locator('summary').click();
      expect(await item.locator('details').textContent()).toContain(run.id);
      await page.screenshot({ path: 'test-results/notifications-list.png' });
      await item.getByRole('button', { name: 'Open the run' }).click();
      await expect.poll(() => page.locator('.nav-item.active').textContent(), { timeout: 10000 }).toBe('Runs');
      await expect.poll(() => page.getByText(run.id).count(), { timeout: 10000 }).toBeGreaterThan(0);
      await expect.poll(() => bell.getAttribute('aria-label')).toBe('Notifications');

      // Settings says notifications are allowed here.
      await nav.getByRole('button', { name: 'Settings' }).click();
      expect(await page.getByTestId('notify-permission').getAttribute('data-permission')).toBe('granted');
      await context.close();
    },
  );
});
