// Child process for the kill-mid-pull test: opens a reviewer's data dir and pulls, printing
// "page N" after each page commits; every page request after the first is delayed so the parent's
// SIGKILL lands while the pull is still going.
import { createServices } from '../../src/main/app/services';
import { unlockedVault } from '../../src/main/platform/test-utils';

const dataDir = process.env.DATA_DIR!;
let pages = 0;
const slowFetch: typeof fetch = async (input, init) => {
  if (String(input).includes('/v1/sync/changes') && pages++ > 0) await new Promise((r) => setTimeout(r, 1500));
  return fetch(input, init);
};
const s = createServices({ dataDir, host: 'web', secrets: await unlockedVault(dataDir), fetch: slowFetch });
let n = 0;
s.events.subscribe((name) => {
  if (name !== 'team.changed') return;
  n += 1;
  process.stdout.write(`page ${n}\n`);
});
await s.team.pull();
process.stdout.write('done\n');
s.close();
