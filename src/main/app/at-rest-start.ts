// What every app entry point does before createServices: open the secret store and load the at-rest
// key from it. A vault that is locked (no keychain, no MAESTRO_VAULT_PASSPHRASE) is unlocked through
// `askPassphrase` (the web host asks on its terminal); without one, or when the person gives none,
// start-up stops with KEYSTORE_LOCKED: the database is never opened in the clear instead.
// A restore staged by backup.restore (src/main/features/backup) is finished here, before the at-rest
// key is read: the restored profile's key and database replace the fresh ones together.
import { openSecretStore, VaultStore, type SecretStore } from '../platform/keys/index';
import { AtRestKeyError, loadAtRestKey } from '../platform/keys/at-rest';
import { applyPendingRestore, hasPendingRestore, type ApplyResult } from '../features/backup/index';
import { DB_FILE } from './deps';

export interface AtRestStart {
  secrets: SecretStore;
  atRestKey: Buffer;
  /** A staged restore this start applied (null: none was staged). */
  restore: ApplyResult | null;
}

/** Asks a person for the vault passphrase: `vault` says whether they are choosing one (a new vault) or typing it. */
export type AskPassphrase = (attempt: number, vault: 'new' | 'existing') => Promise<string | null>;

export async function openAtRest(dataDir: string, askPassphrase?: AskPassphrase, env = process.env, maxAttempts = 5): Promise<AtRestStart> {
  const secrets = await openSecretStore(dataDir, env);
  for (let attempt = 1; secrets.isLocked(); attempt++) {
    const vault = secrets instanceof VaultStore && !secrets.exists() ? 'new' : 'existing';
    const pass = askPassphrase && attempt <= maxAttempts ? await askPassphrase(attempt, vault) : null;
    if (pass === null) {
      throw new AtRestKeyError(
        'KEYSTORE_LOCKED',
        'No OS keychain answered and the passphrase vault is locked: set MAESTRO_VAULT_PASSPHRASE or unlock it at start',
      );
    }
    try {
      await secrets.unlock(pass);
    } catch {
      // A wrong passphrase: ask again (up to five times).
    }
  }
  const restore = hasPendingRestore(dataDir) ? await applyPendingRestore(dataDir, DB_FILE, secrets) : null;
  return { secrets, atRestKey: await loadAtRestKey(secrets), restore };
}
