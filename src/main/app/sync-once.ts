// `node --import tsx src/main/app/sync-once.ts <dataDir>`: one sync run in its own process, then
// exit. Used by the fault-injection test (which SIGKILLs it mid-batch) and handy for scripts.
import { createServices } from './services';
import { createJsonLogger } from '../platform/util/logger';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: sync-once <dataDir>\n');
  process.exit(2);
}
const services = createServices({ dataDir, host: 'web', logger: createJsonLogger('sync-once') });
const summary = await services.sync.syncNow({ force: process.argv.includes('--force') });
process.stdout.write(JSON.stringify(summary) + '\n');
services.close();
