// In-process devices for e2e journeys that need other people (an admin handing out the tenant key,
// a second reviewer): the same createServices() the web host runs, enrolled with the sync server.
import { createServices, type Services } from '../src/main/app/services';
import { unlockedVault } from '../src/main/platform/test-utils';
import { newDataDir } from './harness';

/** A fresh device of tenant `acme` for `name`, enrolled with `token` and synced once; added to `list` (closed by the caller). */
export async function enrolledDevice(list: Services[], name: string, url: string, token: string): Promise<Services> {
  const dataDir = newDataDir();
  const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir) });
  s.profile.setup({ name, tenant: 'acme' });
  list.push(s);
  await s.sync.enroll(url, token);
  await s.sync.syncNow();
  return s;
}
