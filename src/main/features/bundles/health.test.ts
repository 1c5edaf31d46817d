import { describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeServices } from '../../platform/test-utils';
import { createDispatcher } from '../../app/dispatch';
import type { Res } from '../../../shared/api/types';

const check = async (s: ReturnType<typeof makeServices>) => {
  const r = (await createDispatcher(s)('system.health', {})) as { ok: true; data: Res<'system.health'> };
  expect(r.ok).toBe(true);
  return r.data.checks.find((c) => c.id === 'bundles.sealed')!;
};

describe('bundles.sealed health check', () => {
  it('ok with the built-in bundles; warn after a quarantine with fallback; error when a required bundle is gone', async () => {
    const s = makeServices();
    expect(await check(s)).toMatchObject({ status: 'ok', figures: { active: 3, quarantined: 0, rootVersion: 1 } });
    const policy = s.bundles.active('maestro.policy')!;
    writeFileSync(join(policy.dir, 'targets', 'policy.yaml'), 'tampered', { flag: 'a' });
    s.bundles.startupCheck();
    const c = await check(s);
    expect(c).toMatchObject({ status: 'error', figures: { quarantined: 1 } });
    expect(c.summary).toMatch(/no verified maestro\.policy \(fail closed\)/);
    // With nothing verified to load, the policy engine refuses everything.
    expect(s.policy.version()).toBeNull();
    s.close();
  });

  it('error without a trusted root', async () => {
    const s = makeServices({ bare: true });
    expect(await check(s)).toMatchObject({ status: 'error', summary: expect.stringMatching(/no trusted root/) });
    s.close();
  });
});
