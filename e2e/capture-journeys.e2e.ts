// Capture never loses work (issue 17, item 4): a refused Submit brings its errors into view and focus,
// a reload right after typing keeps the draft, and a 100 KB paste does not break the Drafts panel.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Locator, Page } from 'playwright-core';
import { createProfile, launchBrowser, newDataDir, startHost, VAULT_ENV, type RunningHost } from './harness';

let browser: Browser;
const hosts: RunningHost[] = [];

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await Promise.all(hosts.map((h) => h.stop()));
  await browser?.close();
});

/** A fresh web host and profile, on Capture with the site inspection form, in a small window. */
async function openCapture(viewport = { width: 1000, height: 500 }): Promise<Page> {
  const host = await startHost(newDataDir(), VAULT_ENV);
  hosts.push(host);
  const page = await browser.newPage({ viewport });
  await page.goto(host.launchUrl);
  await createProfile(page, 'Ada Field', 'acme-field');
  await page.getByRole('heading', { name: 'Capture' }).waitFor();
  await page.getByLabel('Contract').selectOption('field.inspect.site@1.2.0');
  await page.getByLabel('Site ID').waitFor();
  return page;
}

/** Whether any of the element's box lies inside the window (the boundingBox-vs-viewport check). */
const inViewport = (el: Locator) =>
  el.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.right > 0 && r.left < window.innerWidth;
  });

describe('capture journeys (web host)', () => {
  it('a refused Submit scrolls the error summary into view and focuses it', async () => {
    const page = await openCapture();
    // Fill the last field, far below the form's top: the form scrolls down, Site ID (required, empty) is off-screen.
    await page.getByLabel('Time on site (minutes)').fill('45');
    expect(await inViewport(page.getByLabel('Site ID'))).toBe(false);

    await page.getByRole('button', { name: 'Submit' }).click();
    const summary = page.getByTestId('error-summary');
    await expect.poll(() => summary.textContent()).toContain('Site ID');
    await expect.poll(() => inViewport(summary)).toBe(true);
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-testid') ?? document.activeElement?.tagName)).toBe('error-summary');
    expect(await page.getByTestId('capture-result').count()).toBe(0);
    await page.close();
  });

  it('a reload right after typing keeps the typed value as a draft', async () => {
    const page = await openCapture({ width: 1400, height: 900 });
    await page.getByLabel('Site ID').pressSequentially('PS-42', { delay: 0 });
    // Well inside the 800 ms debounce: only the pagehide flush can have saved it.
    expect(await page.getByTestId('draft-status').getAttribute('data-draft-state')).toBe('pending');
    await page.reload();
    await page.getByRole('heading', { name: 'Capture' }).waitFor();
    const draft = page.getByTestId('drafts').locator('li').first();
    await expect.poll(() => draft.textContent(), { timeout: 10000 }).toContain('PS-42');
    await draft.getByRole('button', { name: 'Resume' }).click();
    await expect.poll(() => page.getByLabel('Site ID').inputValue()).toBe('PS-42');
    await page.close();
  });

  it('leaving a field saves the draft at once', async () => {
    const page = await openCapture({ width: 1400, height: 900 });
    await page.getByLabel('Site ID').fill('PS-7');
    // Blur and read the draft state in one step, well inside the 800 ms debounce: the save has begun.
    const state = await page.getByLabel('Site ID').evaluate(async (el) => {
      (el as HTMLInputElement).blur();
      await new Promise((r) => requestAnimationFrame(r));
      return document.querySelector('[data-testid="draft-status"]')?.getAttribute('data-draft-state');
    });
    expect(['saving', 'saved']).toContain(state);
    await expect.poll(() => page.getByTestId('drafts').locator('li').first().textContent()).toContain('PS-7');
    await page.close();
  });

  it('a 100 KB paste is clipped in the Drafts panel without horizontal overflow', async () => {
    const page = await openCapture({ width: 1400, height: 900 });
    const huge = 'X'.repeat(100 * 1024);
    await page.getByLabel('Site ID').fill(huge);
    await page.getByLabel('Site ID').blur();
    await expect.poll(() => page.getByTestId('draft-status').getAttribute('data-draft-state'), { timeout: 10000 }).toBe('saved');
    const row = page.getByTestId('drafts').locator('li').first();
    await expect.poll(() => row.textContent()).toContain('XXXX');
    const m = await page.getByRole('complementary', { name: 'Drafts' }).evaluate((panel) => {
      const li = panel.querySelector('li')!;
      const summary = li.querySelector('.draft-summary')!;
      return {
        panelScroll: panel.scrollWidth,
        panelClient: panel.clientWidth,
        rowRight: li.getBoundingClientRect().right,
        panelRight: panel.getBoundingClientRect().right,
        viewport: window.innerWidth,
        docScroll: document.documentElement.scrollWidth,
        text: summary.textContent ?? '',
        title: summary.getAttribute('title'),
      };
    });
    expect(m.panelScroll).toBeLessThanOrEqual(m.panelClient);
    expect(m.rowRight).toBeLessThanOrEqual(m.panelRight);
    expect(m.docScroll).toBeLessThanOrEqual(m.viewport);
    expect(m.text.length).toBeLessThanOrEqual(200);
    expect(m.text.endsWith('…')).toBe(true);
    expect(m.title).toBeNull();
    await page.close();
  });
});
