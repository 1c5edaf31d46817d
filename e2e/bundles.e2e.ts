// Sealed bundles in the browser: the Sealed state view lists the built-in bundles verified and active
// under trusted root v1; new versions of a model bundle, signed with the development keys the pinned
// root trusts, install from a folder with progress and a result; a folder with a changed file is
// refused (BUNDLE_HASH_MISMATCH) and installs nothing; a file changed at rest is caught by "Verify all
// now", quarantined, the previous version becomes active and a bundle.quarantine decision card
// appears; an earlier version is made active again with a reason.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seriousViolations } from './axe';
import { createProfile, hostSuite } from './harness';
import { buildBundle } from '../src/main/features/bundles/build';
import { readKeyFile } from '../src/main/features/bundles/keyfile';
import { DEV_KEY_PASSPHRASE } from '../src/main/features/bundles/seal';
import type { SigningKey } from '../src/main/features/bundles/keys';
import type { Envelope, ModelInfo, RootMeta } from '../src/shared/bundles/types';

const RESOURCES = fileURLToPath(new URL('../resources', import.meta.url));
const NAME = 'model.tiny-embed';
const BUILTINS = ['maestro.contracts', 'maestro.policy', 'maestro.workflows'];
const MODEL: ModelInfo = {
  role: 'embedding',
  format: 'onnx',
  file: 'model.onnx',
  family: 'test',
  quantization: 'fp32',
  contextLength: 512,
  embeddingDimension: 8,
  licence: 'MIT',
};

const suite = hostSuite();
let work = '';
let page: Page;
/** targets/snapshot/timestamp version of each built folder (seconds since the epoch, plus one per build). */
const built = new Map<string, { dir: string; targetsVersion: number }>();

/** A model bundle folder signed with the development keys (what resources/trust/root.json trusts). */
function buildModel(
  keys: { targets: SigningKey[]; snapshot: SigningKey[]; timestamp: SigningKey[] },
  root: Envelope<RootMeta>,
  version: string,
  n: number,
): void {
  const content = join(work, `${version}.content`);
  mkdirSync(content, { recursive: true });
  // A fake ONNX file: bytes that differ per version, and a small tokenizer next to it.
  writeFileSync(join(content, 'model.onnx'), Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 31 + n) & 0xff)));
  writeFileSync(join(content, 'tokenizer.json'), JSON.stringify({ version, vocab: ['a', 'b', 'c'] }));
  const dir = join(work, `${NAME}-${version}`);
  const targetsVersion = Math.floor(Date.now() / 1000) + n;
  buildBundle({
    contentDir: content,
    out: dir,
    info: { name: NAME, kind: 'model', version, description: `Tiny test embedding model ${version}`, model: MODEL },
    keys,
    roots: [root],
    versions: { targets: targetsVersion, snapshot: targetsVersion, timestamp: targetsVersion },
  });
  built.set(version, { dir, targetsVersion });
}

/** Flip one byte of `path` in place (same length: only its hash changes). */
function flipByte(path: string, at = 100): void {
  const b = readFileSync(path);
  b[at] = b[at]! ^ 0xff;
  writeFileSync(path, b);
}

const view = () => page.getByRole('region', { name: 'Sealed state' });
const table = () => view().getByRole('table', { name: 'Installed bundles' });
const row = (name: string, version: string): Locator => table().locator(`tr[data-bundle-id][data-name="${name}"][data-version="${version}"]`);
const modelRows = () => table().locator(`tr[data-bundle-id][data-name="${NAME}"]`);

/**
 * Install the folder through the form. Returns what the DOM showed, in order: 'progress' (the install
 * progressbar) and 'outcome' (result or refusal). A tiny bundle installs in milliseconds, so a
 * MutationObserver records the progressbar rather than a poll that could miss it.
 */
async function installFolder(dir: string): Promise<string[]> {
  await view().getByRole('textbox', { name: 'Bundle folder path' }).fill(dir);
  const dismiss = view().getByTestId('install-outcome').getByRole('button', { name: 'Dismiss' });
  if (await dismiss.count()) await dismiss.click();
  await page.evaluate(() => {
    const w = window as unknown as { __seen: string[]; __observer?: MutationObserver };
    w.__observer?.disconnect();
    w.__seen = [];
    const mark = () => {
      if (document.querySelector('progress[aria-label="Install progress"]') && !w.__seen.includes('progress')) w.__seen.push('progress');
      if (document.querySelector('[data-testid="install-result"], [data-testid="install-refusal"]') && !w.__seen.includes('outcome')) w.__seen.push('outcome');
    };
    w.__observer = new MutationObserver(mark);
    w.__observer.observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  await view().getByRole('button', { name: 'Install from folder', exact: true }).click();
  await view().getByTestId('install-outcome').waitFor({ timeout: 15000 });
  return page.evaluate(() => (window as unknown as { __seen: string[] }).__seen);
}

describe('sealed bundles (web host)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'maestro-e2e-bundles-'));
    const root = JSON.parse(readFileSync(join(RESOURCES, 'trust', 'root.json'), 'utf8')) as Envelope<RootMeta>;
    const [targets, snapshot, timestamp] = await Promise.all(
      (['targets', 'snapshot', 'timestamp'] as const).map((r) => readKeyFile(join(RESOURCES, 'trust', 'dev-keys', `${r}.key`), DEV_KEY_PASSPHRASE)),
    );
    const keys = { targets: [targets!], snapshot: [snapshot!], timestamp: [timestamp!] };
    buildModel(keys, root, '1.0.0', 1);
    buildModel(keys, root, '1.1.0', 2);
    buildModel(keys, root, '1.2.0', 3);
    // Signed, then one byte of a target changed: the folder no longer matches its signed metadata.
    buildModel(keys, root, '2.0.0', 4);
    flipByte(join(built.get('2.0.0')!.dir, 'targets', 'model.onnx'));

    // A page of its own context: axe (e2e/axe.ts) cannot run in a page from browser.newPage().
    page = await (await suite.browser.newContext({ viewport: { width: 1600, height: 1100 } })).newPage();
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Sam Sealer', 'acme');
    await nav.getByRole('button', { name: 'Sealed state' }).click();
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('lists the built-in bundles verified and active under trusted root v1', async () => {
    await table().waitFor({ timeout: 15000 });
    expect(await view().getByTestId('trusted-root').getByTestId('root-version').textContent()).toBe('v1');
    const rows = await table()
      .locator('tr[data-bundle-id]')
      .evaluateAll((els) =>
        els.map((e) => ({ name: e.getAttribute('data-name'), state: e.getAttribute('data-state'), active: e.getAttribute('data-active') })),
      );
    expect(rows.map((r) => r.name).sort()).toEqual(BUILTINS);
    for (const r of rows) expect(r).toMatchObject({ state: 'verified', active: 'true' });
  });

  it('installs new versions of a model bundle from a folder, with progress, then a result', async () => {
    for (const version of ['1.0.0', '1.1.0', '1.2.0']) {
      const seen = await installFolder(built.get(version)!.dir);
      expect(seen).toEqual(['progress', 'outcome']);
      const result = view().getByTestId('install-result');
      expect(await result.getAttribute('role')).toBe('status');
      expect(await result.getAttribute('data-activated')).toBe('true');
      expect(await result.textContent()).toContain(`Installed ${NAME} ${version} (model, targets v${built.get(version)!.targetsVersion}): 2 files`);
      await expect.poll(() => row(NAME, version).getAttribute('data-active')).toBe('true');
      expect(await row(NAME, version).getAttribute('data-state')).toBe('verified');
    }
    expect(await modelRows().count()).toBe(3);
    const latest = row(NAME, '1.2.0');
    expect(await latest.getByTestId('bundle-kind').textContent()).toBe('model');
    const model = latest.locator('dl[aria-label="Model"]');
    const terms = await model.locator('dt').allTextContents();
    const values = await model.locator('dd').allTextContents();
    expect(Object.fromEntries(terms.map((t, i) => [t, values[i]]))).toEqual({
      Model: 'embedding · onnx',
      Family: 'test',
      Quantization: 'fp32',
      'Context length': '512',
      'Embedding dimension': '8',
      Licence: 'MIT',
    });
    for (const v of ['1.0.0', '1.1.0']) expect(await row(NAME, v).getAttribute('data-active')).toBe('false');
  });

  it('refuses a folder whose target changed after signing, and installs nothing', async () => {
    const before = await table().locator('tr[data-bundle-id]').count();
    const seen = await installFolder(built.get('2.0.0')!.dir);
    expect(seen.at(-1)).toBe('outcome');
    const refusal = view().getByTestId('install-refusal');
    expect(await refusal.getAttribute('role')).toBe('alert');
    expect(await refusal.getAttribute('data-code')).toBe('BUNDLE_HASH_MISMATCH');
    expect(await refusal.textContent()).toContain('model.onnx');
    expect(await view().getByTestId('install-result').count()).toBe(0);
    await view().getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect.poll(() => table().locator('tr[data-bundle-id]').count()).toBe(before);
    expect(await row(NAME, '2.0.0').count()).toBe(0);
    expect(await row(NAME, '1.2.0').getAttribute('data-active')).toBe('true');
  });

  it('quarantines a version changed at rest on "Verify all now", falls back, and writes a decision card', async () => {
    // The installed copy of 1.2.0: <dataDir>/bundles/<name>/<targets>.<timestamp>-<opId>/targets/…
    const dirs = join(suite.host.dataDir, 'bundles', NAME);
    const tv = built.get('1.2.0')!.targetsVersion;
    const installed = readdirSync(dirs).filter((d) => d.startsWith(`${tv}.${tv}-`));
    expect(installed).toHaveLength(1);
    flipByte(join(dirs, installed[0]!, 'targets', 'model.onnx'));

    await view().getByRole('button', { name: 'Verify all now' }).click();
    const summary = view().getByTestId('verify-all-result');
    await summary.waitFor({ timeout: 20000 });
    expect(await summary.getAttribute('data-refused')).toBe('1');
    const id = (await row(NAME, '1.2.0').getAttribute('data-bundle-id'))!;
    await expect.poll(() => row(NAME, '1.2.0').getAttribute('data-state')).toBe('quarantined');
    expect(await row(NAME, '1.2.0').getAttribute('data-active')).toBe('false');
    expect(await row(NAME, '1.2.0').getByTestId('quarantine').textContent()).toContain('model.onnx');
    const rowRefusal = table().locator(`tr[data-result-for="${id}"]`).getByTestId('verify-row-refusal');
    expect(await rowRefusal.getAttribute('data-code')).toBe('BUNDLE_TAMPERED');
    expect(await rowRefusal.textContent()).toContain('model.onnx');
    // A quarantined version cannot be made active; the previous one is active now.
    expect(
      await view()
        .getByRole('button', { name: `Make active: ${NAME} 1.2.0` })
        .count(),
    ).toBe(0);
    await expect.poll(() => row(NAME, '1.1.0').getAttribute('data-active')).toBe('true');
    expect(await row(NAME, '1.1.0').getAttribute('data-state')).toBe('verified');
    // Every other version re-hashed cleanly.
    for (const b of BUILTINS) expect(await table().locator(`tr[data-name="${b}"]`).getAttribute('data-state')).toBe('verified');

    // The decision card: no run, a sealed bundle, denied on the RED lane with BUNDLE.SEALED failed.
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Decision cards' }).click();
    const option = page
      .getByRole('listbox', { name: 'Decision cards' })
      .getByRole('option', { name: new RegExp(`Quarantine ${NAME.replace('.', '\\.')} 1\\.2\\.0`) });
    await option.waitFor({ timeout: 15000 });
    expect(await option.textContent()).toContain('No run — sealed bundle');
    expect(await option.getAttribute('data-lane')).toBe('RED');
    expect(await option.getAttribute('data-status')).toBe('denied');
    await option.click();
    const detail = page.getByTestId('card-detail');
    await expect.poll(() => detail.getByTestId('card-origin').textContent()).toContain('No run — sealed bundle');
    expect(await detail.getByTestId('card-origin').textContent()).toContain('bundle.quarantine');
    expect(await detail.getAttribute('data-status')).toBe('denied');
    expect(await detail.locator('[data-invariant="BUNDLE.SEALED"]').getAttribute('data-pass')).toBe('false');
    expect(await detail.getByTestId('next-safe-step').textContent()).toContain('Version 1.1.0 is active');
    // A card without a run offers no approve / reject.
    expect(await detail.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });

  it('makes an earlier version active again with a reason', async () => {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('button', { name: 'Sealed state' }).click();
    await row(NAME, '1.0.0').waitFor({ timeout: 15000 });
    await view()
      .getByRole('button', { name: `Make active: ${NAME} 1.0.0` })
      .click();
    const dialog = page.getByTestId('activate-dialog');
    await dialog.getByRole('heading', { name: `Make ${NAME} 1.0.0 active?` }).waitFor();
    expect(await dialog.textContent()).toContain(`The active version now is ${NAME} 1.1.0`);
    const confirm = dialog.getByRole('button', { name: 'Make this version active' });
    expect(await confirm.isDisabled()).toBe(true);
    expect(await seriousViolations(page, 'make-active dialog')).toEqual([]);
    await dialog.getByRole('textbox', { name: 'Reason' }).fill('Embeddings from 1.1.0 regressed search quality; back to 1.0.0.');
    await confirm.click();
    await expect.poll(() => row(NAME, '1.0.0').getAttribute('data-active'), { timeout: 15000 }).toBe('true');
    expect(await row(NAME, '1.1.0').getAttribute('data-active')).toBe('false');
    expect(await row(NAME, '1.0.0').getAttribute('data-state')).toBe('verified');
    expect(await row(NAME, '1.2.0').getAttribute('data-state')).toBe('quarantined');
    expect(await view().getByTestId('sealed-notice').textContent()).toBe(`${NAME} 1.0.0 is now active.`);
    expect(await dialog.isVisible()).toBe(false);
    await page.context().close();
  });
});
