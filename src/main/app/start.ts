// What a host does with the data directory before it builds the services: finish a staged restore
// (src/main/features/backup) before the database is opened. Nothing here when none is staged.
import type { SecretStore } from '../platform/keys/index';
import { openSecretStore } from '../platform/keys/index';
import type { Logger } from '../platform/util/logger';
import { applyPendingRestore, hasPendingRestore } from '../features/backup/index';
import { DB_FILE } from './deps';

/** Returns the secret store when it had to open it (pass it to createServices), else undefined. */
export async function prepareDataDir(dataDir: string, logger: Logger): Promise<SecretStore | undefined> {
  if (!hasPendingRestore(dataDir)) return undefined;
  const secrets = await openSecretStore(dataDir);
  const r = await applyPendingRestore(dataDir, DB_FILE, secrets);
  if (r.applied) logger.info('restored a backup', { device: r.device, manifestSha256: r.manifestSha256 });
  else if (r.reason === 'keystore_locked')
    logger.warn('a restore waits: unlock the key vault (MAESTRO_VAULT_PASSPHRASE) and start again', { code: 'RESTORE_WAITING' });
  return secrets;
}
