import { execFileSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { makeServices, tempDir } from '../src/main/test-utils';

it('demo seed writes a profile and a valid audit trail, and is idempotent', () => {
  const dir = tempDir('maestro-demo-');
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, ['--import', 'tsx', 'scripts/demo-seed.ts', dir], { stdio: 'pipe' });
  const s = makeServices({ dataDir: dir });
  expect(s.profile.get()).toMatchObject({ name: 'Dana Demo', tenant: 'demo-field', role: 'field' });
  expect(s.audit.store.count()).toBe(8);
  expect(s.audit.verify()).toMatchObject({ valid: true, checked: 8 });
  expect(s.audit.facets().actions).toEqual(expect.arrayContaining(['note.added', 'run.started', 'decision.recorded']));
  s.close();
});
