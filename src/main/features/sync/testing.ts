// Test helper: a device (real services) enrolled as ada@acme (field) with an in-process sync server
// (server/testing/harness.ts), talking to it through `fetchFn` (tests wrap the app to inject faults
// or rewrite replies). The sync feature's tests share it.
import type { Services } from '../../app/services';
import { makeServices, tempDir, unlockedVault } from '../../platform/test-utils';
import { createEnrollmentToken } from '../../../server/enrollment-tokens';
import type { TestDb } from '../../../server/testing/backends';
import type { Harness } from '../../../server/testing/harness';

export async function enrolledDevice(h: Harness, db: TestDb, fetchFn: typeof fetch): Promise<Services> {
  const dataDir = tempDir();
  const s = makeServices({ dataDir, clock: { now: () => h.now() }, secrets: unlockedVault(dataDir), fetch: fetchFn });
  s.profile.setup({ name: 'Ada', tenant: 'acme' });
  const { token } = await createEnrollmentToken(db.storage, h.now(), { tenant: 'acme', user: 'ada', role: 'field' }, 'test');
  await s.sync.enroll('http://sync.test/', token);
  return s;
}
