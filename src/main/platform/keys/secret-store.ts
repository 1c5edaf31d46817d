// Where device secrets live: the per-tenant data keys and the device's Ed25519 signing key.
// The OS keychain (keytar → Secret Service / Keychain / Credential Vault) when there is one, else a
// passphrase vault file. Secrets never go into the SQLite database.
import type { Message } from '../../../shared/messages';

export interface SecretStore {
  readonly kind: 'keychain' | 'vault';
  isLocked(): boolean;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
  /** The names of this profile's secrets (a backup carries them all). */
  list(): Promise<string[]>;
  /** Vault only: derive the key from the passphrase (creating the vault on first use). */
  unlock(passphrase: string): Promise<void>;
  /** Where secrets are kept, as a message the UI shows in the user's language (outbox.keys.note.*). */
  describe(): Message;
}

export class LockedError extends Error {
  readonly code = 'KEYSTORE_LOCKED';
  constructor() {
    super('The passphrase vault is locked: unlock it to sync');
  }
}
