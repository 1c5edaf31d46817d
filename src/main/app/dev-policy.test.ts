// Who gets the development policy (docs/decisions/0026): a plain start never installs or applies
// maestro.policy-dev; MAESTRO_DEV_POLICY=1 installs it from resources/bundles-dev, the test model is
// allowed and every decision says `+dev`; a later plain start on the same data ignores it.
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createServices, DEFAULT_RESOURCES_DIR, DEV_POLICY_BUNDLE, type Services } from './services';
import { TEST_AT_REST_KEY, tempDir, unlockedVault } from '../platform/test-utils';
import { createJsonLogger } from '../platform/util/logger';

const TINY = 'model.tiny-text@1.0.0';
const open: Services[] = [];
afterEach(() => {
  vi.unstubAllEnvs();
  open.splice(0).forEach((s) => s.close());
});

async function start(
  dataDir: string,
  more: { resourcesDir?: string; logger?: ReturnType<typeof createJsonLogger>; devPolicy?: boolean } = {},
): Promise<Services> {
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), atRestKey: TEST_AT_REST_KEY, ...more });
  open.push(s);
  return s;
}

const report = {
  reportId: 'RPT-2026-501',
  siteIds: ['PS-7'],
  period: { from: '2026-11-01', to: '2026-11-20' },
  conclusion: 'unsafe',
  summary: 'Pump station 7: cracked pressure vessel; the site is closed until it is repaired.',
  submittedBy: { name: 'Ada' },
};

const names = (s: Services) =>
  s.bundles
    .report()
    .bundles.filter((b) => b.active)
    .map((b) => b.name)
    .sort();
const policyCheck = (s: Services) => s.health.run(s.clock.now().toISOString()).checks.find((c) => c.id === 'policy.loaded');

describe('the development policy bundle', () => {
  it('a plain start (no MAESTRO_DEV_POLICY) neither installs nor applies it: the shipped policy decides', async () => {
    vi.stubEnv('MAESTRO_DEV_POLICY', '');
    const s = await start(tempDir());
    expect(names(s)).toEqual(['maestro.contracts', 'maestro.policy', 'maestro.workflows']);
    expect(s.policy.version()).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
    expect(s.policy.params()).toMatchObject({ fourEyes: true });
    expect(s.policy.params()!.allowedModels).not.toContain(TINY);
    expect(policyCheck(s)).toMatchObject({ status: 'ok' });
  });

  it('MAESTRO_DEV_POLICY=1 installs and applies it; the cards say +dev; a later plain start on the same data ignores it', async () => {
    const dataDir = tempDir();
    vi.stubEnv('MAESTRO_DEV_POLICY', '1');
    const s = await start(dataDir);
    const shippedVersion = s.bundles.active('maestro.policy')!.info.version;
    // A bundle like the others: verified, active, in the sealed state the Bundles view and Health show.
    expect(names(s)).toEqual(['maestro.contracts', 'maestro.policy', DEV_POLICY_BUNDLE, 'maestro.workflows']);
    expect(s.bundles.report().bundles.find((b) => b.name === DEV_POLICY_BUNDLE)).toMatchObject({ kind: 'policy-overlay', state: 'verified' });
    expect(s.policy.version()).toBe(`${shippedVersion}+dev`);
    expect(s.policy.params()!.allowedModels).toContain(TINY);
    expect(s.policy.params()).toMatchObject({ fourEyes: true });
    expect(policyCheck(s)).toMatchObject({ status: 'warn', summary: expect.stringMatching(/DEVELOPMENT policy overlay in force/) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const run = await s.runs.start({ workflow: 'site-inspection-report@1.0.0', input: report });
    const versions = new Set(s.runs.cards.forRun(run.id).map((c) => c.policy.policyVersion));
    versions.delete(null);
    expect([...versions]).toEqual([`${shippedVersion}+dev`]);
    s.close();
    open.splice(0);

    vi.stubEnv('MAESTRO_DEV_POLICY', '');
    const again = await start(dataDir);
    expect(again.bundles.active(DEV_POLICY_BUNDLE)).not.toBeNull(); // still installed, not applied
    expect(again.policy.version()).toBe(shippedVersion);
    expect(again.policy.params()!.allowedModels).not.toContain(TINY);
    // A reload outside development mode does not pick it up either.
    expect(again.policy.reload().ok).toBe(true);
    expect(again.policy.version()).toBe(shippedVersion);
  });

  it('development mode with no sealed development bundle: the shipped policy alone, and a warning', async () => {
    const resources = join(tempDir(), 'resources');
    cpSync(DEFAULT_RESOURCES_DIR, resources, { recursive: true });
    rmSync(join(resources, 'bundles-dev'), { recursive: true, force: true });
    const lines: string[] = [];
    const logger = createJsonLogger('test', (l: string) => lines.push(l));
    const s = await start(tempDir(), { resourcesDir: resources, devPolicy: true, logger });
    expect(s.bundles.active(DEV_POLICY_BUNDLE)).toBeNull();
    expect(s.policy.version()).toMatch(/^\d{4}\.\d{1,2}\.\d+$/);
    expect(lines.some((l) => l.includes('POLICY_DEV_MISSING'))).toBe(true);
  });
});
