import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { createServices } from '../src/main/app/services';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';
import { tempDir } from '../src/main/platform/test-utils';

it('demo seed writes a profile, records, a draft and a valid audit trail, and is idempotent', async () => {
  const dir = tempDir('maestro-demo-');
  for (let i = 0; i < 2; i++) execFileSync(process.execPath, ['--import', 'tsx', 'scripts/demo-seed.ts', dir], { stdio: 'pipe' });
  const vault = new VaultStore(dir);
  await vault.unlock('maestro-demo-vault');
  // The demo's database is encrypted at rest under the key in its vault, as the app's is.
  const s = createServices({ dataDir: dir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });
  expect(s.profile.get()).toMatchObject({ name: 'Dana Demo', tenant: 'demo-field', role: 'field' });
  expect(s.capture.listRecords(10)).toHaveLength(4);
  expect(s.capture.listDrafts()).toHaveLength(1);
  expect(s.outbox.counts().queued).toBe(5); // four records and one photo, waiting for enrollment
  expect(s.audit.verify()).toMatchObject({ valid: true });
  expect(s.audit.facets().actions).toEqual(expect.arrayContaining(['note.added', 'run.started', 'decision.recorded', 'record.captured', 'backup.created']));
  expect(readdirSync(join(dir, 'exports')).filter((f) => f.endsWith('.mbak')).length).toBeGreaterThanOrEqual(1);
  s.close();
}, 120_000);
