// The contract compatibility check in the browser: a maestro.contracts bundle (signed with the
// development keys the pinned root trusts) whose field.inspect.site@1.3.0 adds a required field and
// narrows an enum of 1.2.0 is refused on "Install from folder" — CONTRACT_NOT_COMPATIBLE, with each
// breaking change in plain words — and installs nothing; a compatible 1.3.0 installs and is active.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProfile, hostSuite } from './harness';
import { buildBundle } from '../src/main/features/bundles/build';
import { readKeyFile } from '../src/main/features/bundles/keyfile';
import { DEV_KEY_PASSPHRASE } from '../src/main/features/bundles/seal';
import type { Envelope, RootMeta } from '../src/shared/bundles/types';

const RESOURCES = fileURLToPath(new URL('../resources', import.meta.url));
const SITE = 'field.inspect.site@1.2.0';
type Doc = { contract: string; schema: { required: string[]; properties: Record<string, Record<string, unknown>> } };

const suite = hostSuite();
let work = '';
let page: Page;
const dirs: Record<'breaking' | 'compatible', string> = { breaking: '', compatible: '' };

async function buildContracts(label: 'breaking' | 'compatible', n: number, edit: (d: Doc) => void): Promise<void> {
  const root = JSON.parse(readFileSync(join(RESOURCES, 'trust', 'root.json'), 'utf8')) as Envelope<RootMeta>;
  const [targets, snapshot, timestamp] = await Promise.all(
    (['targets', 'snapshot', 'timestamp'] as const).map((r) => readKeyFile(join(RESOURCES, 'trust', 'dev-keys', `${r}.key`), DEV_KEY_PASSPHRASE)),
  );
  const content = join(work, `${label}.content`);
  cpSync(join(RESOURCES, 'contracts'), content, { recursive: true });
  const doc = JSON.parse(readFileSync(join(content, `${SITE}.json`), 'utf8')) as Doc;
  doc.contract = 'field.inspect.site@1.3.0';
  edit(doc);
  writeFileSync(join(content, `${doc.contract}.json`), JSON.stringify(doc));
  const v = Math.floor(Date.now() / 1000) + n;
  dirs[label] = join(work, label);
  buildBundle({
    contentDir: content,
    out: dirs[label],
    info: { name: 'maestro.contracts', kind: 'contracts', version: `9.${n}.0`, description: `contracts (${label})` },
    keys: { targets: [targets!], snapshot: [snapshot!], timestamp: [timestamp!] },
    roots: [root],
    versions: { targets: v, snapshot: v, timestamp: v },
  });
}

const view = () => page.getByRole('region', { name: 'Sealed state' });
const rows = () => view().getByRole('table', { name: 'Installed bundles' }).locator('tr[data-bundle-id][data-name="maestro.contracts"]');

async function installFolder(dir: string): Promise<void> {
  await view().getByRole('textbox', { name: 'Bundle folder path' }).fill(dir);
  const dismiss = view().getByTestId('install-outcome').getByRole('button', { name: 'Dismiss' });
  if (await dismiss.count()) await dismiss.click();
  await view().getByRole('button', { name: 'Install from folder', exact: true }).click();
  await view().getByTestId('install-outcome').waitFor({ timeout: 15000 });
}

describe('contract compatibility (web host)', () => {
  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'maestro-e2e-compat-'));
    await buildContracts('breaking', 1, (d) => {
      d.schema.required.push('notes');
      d.schema.properties.condition!.enum = ['good', 'fair', 'poor'];
    });
    await buildContracts('compatible', 2, (d) => (d.schema.properties.weather = { type: 'string', enum: ['dry', 'rain'] }));
    page = await suite.browser.newPage({ viewport: { width: 1600, height: 1100 } });
    await page.goto(suite.host.launchUrl);
    const nav = await createProfile(page, 'Cleo Contracts', 'acme');
    await nav.getByRole('button', { name: 'Sealed state' }).click();
  });

  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('refuses a breaking minor with the change list in plain words, and installs nothing', async () => {
    await expect.poll(() => rows().count()).toBe(1);
    const activeBefore = await rows().first().getAttribute('data-version');
    await installFolder(dirs.breaking);
    const refusal = view().getByTestId('install-refusal');
    expect(await refusal.getAttribute('role')).toBe('alert');
    expect(await refusal.getAttribute('data-code')).toBe('CONTRACT_NOT_COMPATIBLE');
    expect(await refusal.textContent()).toContain('only a new major may break');
    const items = await refusal.getByTestId('refusal-changes').getByRole('listitem').allTextContents();
    expect(items).toEqual([
      'field.inspect.site@1.3.0 (after 1.2.0), field /notes: field "notes" is now required: data without it is refused',
      'field.inspect.site@1.3.0 (after 1.2.0), field /condition: value(s) "unsafe" no longer accepted',
    ]);
    await view().getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect.poll(() => rows().count()).toBe(1);
    expect(await rows().first().getAttribute('data-version')).toBe(activeBefore);
  });

  it('installs a compatible minor, which becomes the active contracts bundle', async () => {
    await installFolder(dirs.compatible);
    expect(await view().getByTestId('install-result').count()).toBe(1);
    await view().getByRole('button', { name: 'Refresh', exact: true }).click();
    await expect.poll(() => rows().count()).toBe(2);
    const active = view().getByRole('table', { name: 'Installed bundles' }).locator('tr[data-bundle-id][data-name="maestro.contracts"][data-active="true"]');
    expect(await active.getAttribute('data-version')).toBe('9.2.0');
  });
});
