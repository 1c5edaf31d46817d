// Sample data for the admin board in `npm run demo`: a fleet of 5,000 synthetic devices in the demo
// server's tenant (one of them, "Bo's laptop", last seen 57 days ago), and an admin laptop profile
// enrolled with an admin token, so the board opens with charts, a long table and stale devices.
import { createServices } from '../src/main/app/services';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';
import { seedFleet, syntheticFleet } from './fleet-seed';
import { DEMO_PASSPHRASE } from './demo-constants';
import { seedRuns } from './demo-runs';

const [serverDb, dataDir, serverUrl, token, tenant = 'demo-field'] = process.argv.slice(2);
if (!serverDb || !dataDir || !serverUrl || !token) throw new Error('usage: demo-admin-seed <serverDb> <adminDataDir> <serverUrl> <adminToken> [tenant]');

seedFleet(serverDb, tenant, [
  ...syntheticFleet(5_000),
  { id: 'dev_demo_bo', name: "Bo's laptop", user: 'bo@demo', offlineDays: 57, enrolledDaysAgo: 140, pending: 45, dead: 2 },
]);

const vault = new VaultStore(dataDir);
await vault.unlock(DEMO_PASSPHRASE);
const s = createServices({ dataDir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });
if (!s.profile.get()) s.profile.setup({ name: 'Erin Admin', tenant });
await s.sync.enroll(serverUrl, token);
await s.sync.syncNow();
process.stdout.write(`demo: admin runs ${(await seedRuns(s, 'Erin Admin')).join(', ')}\n`);
const summary = await s.admin.summary();
process.stdout.write(
  `demo: admin enrolled; fleet of ${Object.values(summary.levels).reduce((a, b) => a + b, 0)} devices (${summary.levels.critical} critical)\n`,
);
s.close();
