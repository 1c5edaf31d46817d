// `node --import tsx src/main/app/sync-once.ts <dataDir>`: one sync run in its own process, then
// exit. Used by the fault-injection test (which SIGKILLs it mid-batch) and handy for scripts.
import { join } from 'node:path';
import { createServices, DB_FILE } from './services';
import { dbFileKind } from '../platform/db/cipher';
import { openAtRest } from './at-rest-start';
import { createJsonLogger } from '../platform/util/logger';

const dataDir = process.argv[2];
if (!dataDir) {
  process.stderr.write('usage: sync-once <dataDir>\n');
  process.exit(2);
}
// An encrypted profile opens with the at-rest key from the secret store (MAESTRO_VAULT_PASSPHRASE
// unlocks a vault); a plaintext one (the fault-injection test's) stays as it is until the app starts.
const keyed = dbFileKind(join(dataDir, DB_FILE)) === 'encrypted' ? await openAtRest(dataDir) : {};
const services = createServices({ dataDir, host: 'web', logger: createJsonLogger('sync-once'), ...keyed });
const summary = await services.sync.syncNow({ force: process.argv.includes('--force') });
process.stdout.write(JSON.stringify(summary) + '\n');
services.close();
