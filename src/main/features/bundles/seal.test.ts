import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Envelope, RootMeta } from '../../../shared/bundles/types';
import { tempDir } from '../../platform/test-utils';
import { DAY_MS } from './build';
import { SEAL_EXPIRY_DAYS, sealResources } from './seal';
import { verifyDirSync } from './verify';

const REPO_RESOURCES = join(__dirname, '..', '..', '..', '..', 'resources');

function copyResources(): string {
  const dir = tempDir('maestro-seal-');
  for (const d of ['policy', 'policy-dev', 'workflows', 'contracts', 'trust']) cpSync(join(REPO_RESOURCES, d), join(dir, 'resources', d), { recursive: true });
  return join(dir, 'resources');
}

describe('sealResources', () => {
  it('seals the built-in resources with the development root, and is a no-op while nothing changed', { timeout: 30_000 }, async () => {
    const res = copyResources();
    const out = join(res, 'bundles');
    const root = JSON.parse(readFileSync(join(res, 'trust', 'root.json'), 'utf8')) as Envelope<RootMeta>;
    const now = new Date('2026-12-01T10:00:00Z');
    const secs = Math.floor(now.getTime() / 1000);
    const first = await sealResources({ resourcesDir: res, outDir: out, now, appVersion: '0.1.0' });
    expect(first.map((r) => [r.name, r.sealed, r.targetsVersion])).toEqual([
      ['maestro.policy', true, secs],
      ['maestro.workflows', true, secs],
      ['maestro.contracts', true, secs],
    ]);
    const policyVersion = /^version:\s*(\S+)/m.exec(readFileSync(join(res, 'policy', 'policy.yaml'), 'utf8'))![1];
    for (const r of first) {
      const v = verifyDirSync(r.dir, { root, roleVersions: {}, referenceTime: now });
      expect(v.info.version).toBe(r.name === 'maestro.policy' ? policyVersion : '0.1.0');
      expect(v.versions).toEqual({ targets: secs, snapshot: secs, timestamp: secs });
    }

    // Repeated runs (later too) change nothing.
    const later = new Date(now.getTime() + 10 * DAY_MS);
    const again = await sealResources({ resourcesDir: res, outDir: out, now: later, appVersion: '0.1.0' });
    expect(again.every((r) => !r.sealed && r.targetsVersion === secs)).toBe(true);

    // Changed content re-seals that bundle only, with a higher version.
    writeFileSync(join(res, 'policy', 'policy.yaml'), `${readFileSync(join(res, 'policy', 'policy.yaml'), 'utf8')}\n# edited\n`);
    const edited = await sealResources({ resourcesDir: res, outDir: out, now: later, appVersion: '0.1.0' });
    expect(edited.map((r) => [r.name, r.sealed, r.reason])).toEqual([
      ['maestro.policy', true, 'content changed'],
      ['maestro.workflows', false, 'unchanged'],
      ['maestro.contracts', false, 'unchanged'],
    ]);
    expect(edited[0]!.targetsVersion).toBe(Math.floor(later.getTime() / 1000));

    // A sealed copy edited in place is re-sealed from the content.
    const wf = join(out, 'maestro.workflows', 'targets');
    const f = join(wf, readFileSync(join(out, 'maestro.workflows', 'metadata', 'targets.json'), 'utf8').match(/"([^"]+\.yaml)"/)![1]!);
    writeFileSync(f, readFileSync(f, 'utf8').replace(/.$/s, '#'));
    const repaired = await sealResources({ resourcesDir: res, outDir: out, now: later, appVersion: '0.1.0' });
    expect(repaired[1]).toMatchObject({ name: 'maestro.workflows', sealed: true });
    expect(repaired[1]!.reason).toMatch(/^BUNDLE_HASH_MISMATCH/);

    // Near expiry: re-sealed. A new app version: re-sealed.
    const nearExpiry = new Date(later.getTime() + (SEAL_EXPIRY_DAYS - 20) * DAY_MS);
    const renewed = await sealResources({ resourcesDir: res, outDir: out, now: nearExpiry, appVersion: '0.1.0' });
    expect(renewed.every((r) => r.sealed && /expires within/.test(r.reason))).toBe(true);
    const bumped = await sealResources({ resourcesDir: res, outDir: out, now: nearExpiry, appVersion: '0.2.0' });
    expect(bumped.map((r) => r.sealed)).toEqual([false, true, true]);
  });

  it('seals the development policy overlay only into devOutDir, beside the built-ins, never into their folder', async () => {
    const res = copyResources();
    const root = JSON.parse(readFileSync(join(res, 'trust', 'root.json'), 'utf8')) as Envelope<RootMeta>;
    const now = new Date('2026-12-01T10:00:00Z');
    const plain = await sealResources({ resourcesDir: res, outDir: join(res, 'bundles'), now, appVersion: '0.1.0' });
    expect(plain.map((r) => r.name)).toEqual(['maestro.policy', 'maestro.workflows', 'maestro.contracts']);
    const withDev = await sealResources({ resourcesDir: res, outDir: join(res, 'bundles'), devOutDir: join(res, 'bundles-dev'), now, appVersion: '0.1.0' });
    expect(withDev.map((r) => [r.name, r.sealed])).toEqual([
      ['maestro.policy', false],
      ['maestro.workflows', false],
      ['maestro.contracts', false],
      ['maestro.policy-dev', true],
    ]);
    expect(readdirSync(join(res, 'bundles')).sort()).toEqual(['maestro.contracts', 'maestro.policy', 'maestro.workflows']);
    expect(readdirSync(join(res, 'bundles-dev'))).toEqual(['maestro.policy-dev']);
    const v = verifyDirSync(withDev[3]!.dir, { root, roleVersions: {}, referenceTime: now });
    expect(v.info).toMatchObject({ name: 'maestro.policy-dev', kind: 'policy-overlay', version: '0.1.0' });
    expect(Object.keys(v.targets.signed.targets)).toEqual(['overlay.yaml']);
  });

  it('refuses to seal under a root that does not name the development keys', async () => {
    const res = copyResources();
    const root = JSON.parse(readFileSync(join(res, 'trust', 'root.json'), 'utf8')) as Envelope<RootMeta>;
    root.signed.roles.targets.keyids = [root.signed.roles.root.keyids[0]!];
    writeFileSync(join(res, 'trust', 'root.json'), JSON.stringify(root));
    await expect(sealResources({ resourcesDir: res, outDir: join(res, 'bundles') })).rejects.toThrow(/not the development root/);
  });
});
