import { KeychainStore } from './keychain-store';
import { VaultStore } from './vault-store';
import type { SecretStore } from './secret-store';

export type { SecretStore } from './secret-store';
export { VaultStore } from './vault-store';
export { KeychainStore } from './keychain-store';

/**
 * MAESTRO_KEYSTORE=keychain|vault|auto (default auto: the OS keychain if it answers, else the vault).
 * MAESTRO_VAULT_PASSPHRASE unlocks the vault at start (servers, tests); otherwise the UI asks.
 */
export async function openSecretStore(dataDir: string, env = process.env): Promise<SecretStore> {
  const mode = env.MAESTRO_KEYSTORE ?? 'auto';
  if (mode !== 'vault') {
    const kc = await KeychainStore.open(dataDir);
    if (kc) return kc;
    if (mode === 'keychain') throw new Error('MAESTRO_KEYSTORE=keychain but no OS keychain answered');
  }
  const vault = new VaultStore(dataDir);
  if (env.MAESTRO_VAULT_PASSPHRASE) await vault.unlock(env.MAESTRO_VAULT_PASSPHRASE);
  return vault;
}
