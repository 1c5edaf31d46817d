// policy.reload over the API table: a malformed invariant file is refused with file, line and reason,
// the previously active set stays in force, and an alert is raised; fixing the file loads it.
import { describe, expect, it } from 'vitest';
import { cpSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createServices, DEFAULT_RESOURCES_DIR } from '../services';
import { tempDir, unlockedVault } from '../test-utils';
import { createDispatcher } from './dispatch';
import type { Res } from '../../shared/api/types';

describe('policy.reload', () => {
  it('keeps the previous set when a file is malformed, says where, and raises an alert', async () => {
    const resources = join(tempDir(), 'resources');
    cpSync(DEFAULT_RESOURCES_DIR, resources, { recursive: true });
    const dataDir = tempDir();
    const s = createServices({ dataDir, host: 'web', resourcesDir: resources, secrets: await unlockedVault(dataDir) });
    s.profile.setup({ name: 'Ada', tenant: 'acme' });
    const d = createDispatcher(s);
    const before = (await d('policy.status', {})) as { ok: true; data: Res<'policy.status'> };
    expect(before.data).toMatchObject({ problems: [], workflows: 2 });
    expect(before.data.invariants).toBeGreaterThanOrEqual(20);

    const bad = join(resources, 'policy', 'invariants', 'zz-bad.yaml');
    writeFileSync(bad, ['- id: INV.BAD', '  scope: test', '  when: { event: run.start }', '  assert:', '    - expr: run.spentCents <=', "      message: 'half an expression'", '  next: Finish the expression'].join('\n'));
    const after = (await d('policy.reload', {})) as { ok: true; data: Res<'policy.reload'> };
    expect(after.data.version).toBe(before.data.version);
    expect(after.data.invariants).toBe(before.data.invariants);
    expect(after.data.problems[0]).toMatchObject({ file: expect.stringMatching(/zz-bad\.yaml$/), line: 5 });
    expect((await s.sync.status()).alerts.map((a) => a.code)).toContain('POLICY_LOAD_FAILED');
    expect(s.policy.invariantIds()).not.toContain('INV.BAD');
    expect(s.health.run(s.clock.now().toISOString()).checks.find((c) => c.id === 'policy.loaded')).toMatchObject({ status: 'warn', summary: expect.stringMatching(/zz-bad\.yaml:5/) });

    rmSync(bad);
    const fixed = (await d('policy.reload', {})) as { ok: true; data: Res<'policy.reload'> };
    expect(fixed.data.problems).toEqual([]);
    expect(s.audit.list({ limit: 5, action: 'policy.reloaded' }).entries).toHaveLength(2);
    s.close();
  });
});
