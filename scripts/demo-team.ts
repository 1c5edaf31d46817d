// Team sync in `npm run demo`: Erin's admin laptop (enrolled after Dana) creates the tenant key and
// wraps it for Dana's device; Dana's device receives it, sends what waited, and starts an "unsafe"
// report whose RED step waits for a reviewer: Erin sees it under Decision cards / Runs → "All
// devices" and can approve it from her laptop; Dana's app (long-polling) resumes the run.
import { createServices, type Services } from '../src/main/app/services';
import { VaultStore } from '../src/main/platform/keys/index';
import { loadAtRestKey } from '../src/main/platform/keys/at-rest';
import { DEMO_PASSPHRASE } from './demo-constants';

const [adminDir, fieldDir] = process.argv.slice(2);
if (!adminDir || !fieldDir) throw new Error('usage: demo-team <adminDataDir> <fieldDataDir>');

async function open(dir: string): Promise<Services> {
  const vault = new VaultStore(dir);
  await vault.unlock(DEMO_PASSPHRASE);
  return createServices({ dataDir: dir, host: 'web', secrets: vault, atRestKey: await loadAtRestKey(vault) });
}

const erin = await open(adminDir);
await erin.sync.syncNow();
const wrapped = erin.team.status().keys;
erin.close();

const dana = await open(fieldDir);
await dana.sync.syncNow();
const run = await dana.runs.start({
  workflow: 'site-inspection-report@1.0.0',
  input: {
    reportId: 'RPT-2026-103',
    siteIds: ['PS-11'],
    period: { from: '2026-11-01', to: '2026-11-20' },
    conclusion: 'unsafe',
    summary: 'Pump station 11: the pressure relief valve is stuck closed; the station runs in manual mode until it is replaced.',
    submittedBy: { name: 'Dana Demo' },
  },
});
await dana.sync.syncNow();
// Captured after the sync: these wait in the outbox until the next sync.
dana.capture.submit({
  contract: 'field.inspect.site@1.2.0',
  data: { siteId: 'PS-12', inspectedAt: '2026-11-21', location: { lat: 60.17, lon: 24.94 }, condition: 'good', inspector: { name: 'Dana Demo' } },
});
const danaKeys = dana.team.status().keys;
dana.close();

const erin2 = await open(adminDir);
await erin2.team.pull();
const seen = erin2.team.runsPage({ status: 'awaiting_approval' }).items.filter((r) => !r.local).length;
erin2.close();
process.stdout.write(
  `demo: team sync: Erin holds tenant key v${wrapped.current ?? '?'}, Dana v${danaKeys.current ?? '?'}; Dana's run ${run.id} is ${run.status}; Erin sees ${seen} run(s) of other devices waiting for approval\n`,
);
