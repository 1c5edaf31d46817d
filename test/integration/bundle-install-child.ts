// Child process of bundle-install-kill.test.ts: installs one bundle into a data dir and SIGKILLs
// itself at a named point: MAESTRO_TEST_BUNDLE_KILL_AT = files (mid-stream) | staged | renamed.
//   node --import tsx test/integration/bundle-install-child.ts <dataDir> <rootJson> <bundleDir>
import { readFileSync } from 'node:fs';
import { makeStore } from '../../src/main/features/bundles/testing';
import { dirReader } from '../../src/main/features/bundles/verify';
import type { Envelope, RootMeta } from '../../src/shared/bundles/types';

const [dataDir, rootPath, bundleDir] = process.argv.slice(2);
if (!dataDir || !rootPath || !bundleDir) throw new Error('usage: bundle-install-child.ts <dataDir> <rootJson> <bundleDir>');
const killAt = process.env.MAESTRO_TEST_BUNDLE_KILL_AT;
const die = () => process.kill(process.pid, 'SIGKILL');
const fx = makeStore({ dataDir, root: JSON.parse(readFileSync(rootPath, 'utf8')) as Envelope<RootMeta>, onBoundary: (b) => b === killAt && die() });
fx.events.subscribe((name, p) => {
  if (killAt === 'files' && name === 'bundles.progress' && 'bytesDone' in p && p.phase === 'files' && p.bytesDone > 0) die();
});
const r = await fx.store.install(dirReader(bundleDir));
process.stdout.write(JSON.stringify({ id: r.bundle.id }));
