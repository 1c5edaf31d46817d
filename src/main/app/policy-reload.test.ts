// A policy bundle that verifies but whose content does not load: a malformed invariant file is
// refused with file, line and reason, the previously active set stays in force, and an alert is
// raised; a fixed, re-sealed bundle loads. policy.reload re-reads the active verified bundle.
import { describe, expect, it } from 'vitest';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, DEFAULT_RESOURCES_DIR } from './services';
import { tempDir, unlockedVault } from '../platform/test-utils';
import { createDispatcher } from './dispatch';
import { sealResources } from '../features/bundles/seal';
import type { Res } from '../../shared/api/types';

describe('policy bundles and policy.reload', () => {
  it('keeps the previous set when an installed bundle holds a malformed file, says where, and raises an alert', async () => {
    const resources = join(tempDir(), 'resources');
    cpSync(DEFAULT_RESOURCES_DIR, resources, { recursive: true });
    const dataDir = tempDir();
    const s = createServices({ dataDir, host: 'web', resourcesDir: resources, secrets: await unlockedVault(dataDir) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const d = createDispatcher(s);
    const before = (await d('policy.status', {})) as { ok: true; data: Res<'policy.status'> };
    // The shipped policy has four eyes on, and says so (the renderer hides Approve on one's own runs, notifications skip them).
    expect(before.data).toMatchObject({ problems: [], workflows: 2, fourEyes: true });
    expect(before.data.invariants).toBeGreaterThanOrEqual(20);
    // Every active invariant's words for people, by id, through the validated channel.
    const texts = (await d('policy.texts', {})) as { ok: true; data: Res<'policy.texts'> };
    expect(Object.keys(texts.data.invariants)).toHaveLength(before.data.invariants);
    expect(texts.data.invariants['INV.APPROVAL.RED']?.en?.failed).toMatch(/a reviewer must approve it/);

    // A release engineer seals a policy with a half-written invariant: it verifies, but does not load.
    const bad = join(resources, 'policy', 'invariants', 'zz-bad.yaml');
    writeFileSync(
      bad,
      [
        '- id: INV.BAD',
        '  scope: test',
        '  when: { event: run.start }',
        '  assert:',
        '    - expr: run.spentCents <=',
        "      message: 'half an expression'",
        '  next: Finish the expression',
        '  plain: { en: { what: A test check., failed: The test check failed., next: Fix the test. } }',
      ].join('\n'),
    );
    const sealDir = join(tempDir(), 'sealed');
    await sealResources({ resourcesDir: resources, outDir: sealDir });
    const inst = (await d('bundles.install', { source: { kind: 'path', path: join(sealDir, 'maestro.policy') } })) as {
      ok: true;
      data: Res<'bundles.install'>;
    };
    expect(inst.ok).toBe(true);
    const after = (await d('policy.reload', {})) as { ok: true; data: Res<'policy.reload'> };
    expect(after.data.version).toBe(before.data.version);
    expect(after.data.invariants).toBe(before.data.invariants);
    expect(after.data.problems[0]).toMatchObject({ file: expect.stringMatching(/zz-bad\.yaml$/), line: 5 });
    expect((await s.sync.status()).alerts.map((a) => a.code)).toContain('POLICY_LOAD_FAILED');
    expect(s.policy.invariantIds()).not.toContain('INV.BAD');
    expect(s.health.run(s.clock.now().toISOString()).checks.find((c) => c.id === 'policy.loaded')).toMatchObject({
      status: 'warn',
      summary: expect.stringMatching(/zz-bad\.yaml:5/),
    });

    rmSync(bad);
    await sealResources({ resourcesDir: resources, outDir: sealDir, now: new Date(Date.now() + 5000) });
    await d('bundles.install', { source: { kind: 'path', path: join(sealDir, 'maestro.policy') } });
    const fixed = (await d('policy.status', {})) as { ok: true; data: Res<'policy.status'> };
    expect(fixed.data.problems).toEqual([]);
    expect(s.audit.list({ limit: 5, action: 'bundle.installed' }).entries).toHaveLength(5); // 3 built-in + 2
    expect(s.audit.list({ limit: 5, action: 'policy.reloaded' }).entries).toHaveLength(1);

    // Editing the resources on disk changes nothing: only a verified bundle is ever loaded.
    writeFileSync(join(resources, 'policy', 'policy.yaml'), 'not: [yaml');
    const again = (await d('policy.reload', {})) as { ok: true; data: Res<'policy.reload'> };
    expect(again.data).toMatchObject({ version: before.data.version, problems: [] });
    s.close();
  });

  it('a bundle that does not verify is refused over the API with its attack code, and nothing changes', async () => {
    const dataDir = tempDir();
    const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const d = createDispatcher(s);
    const copy = join(tempDir(), 'policy-bundle');
    cpSync(join(DEFAULT_RESOURCES_DIR, 'bundles', 'maestro.policy'), copy, { recursive: true });
    writeFileSync(join(copy, 'targets', 'policy.yaml'), 'version: evil\n', { flag: 'a' });
    const r = await d('bundles.install', { source: { kind: 'path', path: copy } });
    expect(r).toMatchObject({ ok: false, error: { code: 'BUNDLE_REFUSED', details: { refusal: 'BUNDLE_TOO_LARGE' } } });
    const report = (await d('bundles.report', {})) as { ok: true; data: Res<'bundles.report'> };
    expect(report.data.bundles.map((b) => b.name).sort()).toEqual(['maestro.contracts', 'maestro.policy', 'maestro.workflows']);
    expect(report.data.bundles.every((b) => b.state === 'verified' && b.active)).toBe(true);
    const bad = await d('bundles.install', { source: { kind: 'path', path: '' } });
    expect(bad).toMatchObject({ ok: false, error: { code: 'VALIDATION_ERROR' } });
    s.close();
  });
});
