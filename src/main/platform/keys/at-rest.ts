// The device's at-rest key: 256 random bits that encrypt the device database (SQLCipher 4 format,
// see platform/db/cipher.ts) and the attachment files. It lives in the secret store (the OS keychain,
// else the passphrase vault) and never in the data directory in the clear.
import { randomBytes } from 'node:crypto';
import { LockedError, type SecretStore } from './secret-store';

export const AT_REST_SECRET = 'at-rest-key:v1';
export const AT_REST_KEY_BYTES = 32;

export class AtRestKeyError extends Error {
  constructor(
    readonly code: 'KEYSTORE_LOCKED' | 'AT_REST_KEY_INVALID',
    message: string,
  ) {
    super(message);
    this.name = 'AtRestKeyError';
  }
}

/**
 * The at-rest key of this data directory, created (and stored) on first use. A locked vault raises
 * AtRestKeyError('KEYSTORE_LOCKED'): the caller asks the user to unlock it and calls again; there is
 * no plaintext fallback.
 */
export async function loadAtRestKey(secrets: SecretStore): Promise<Buffer> {
  if (secrets.isLocked()) throw new AtRestKeyError('KEYSTORE_LOCKED', 'The passphrase vault is locked: unlock it to open the device database');
  let stored: string | null;
  try {
    stored = await secrets.get(AT_REST_SECRET);
  } catch (e) {
    if (e instanceof LockedError) throw new AtRestKeyError('KEYSTORE_LOCKED', e.message);
    throw e;
  }
  if (stored !== null) {
    const key = Buffer.from(stored, 'hex');
    if (key.length !== AT_REST_KEY_BYTES || key.toString('hex') !== stored.toLowerCase()) {
      throw new AtRestKeyError('AT_REST_KEY_INVALID', `The stored at-rest key is not ${AT_REST_KEY_BYTES} bytes of hex; the database was left untouched`);
    }
    return key;
  }
  const key = randomBytes(AT_REST_KEY_BYTES);
  await secrets.set(AT_REST_SECRET, key.toString('hex'));
  // Read back: a keychain that accepted the write but returns something else must not leave us with
  // a database encrypted under a key nobody can read again.
  const back = await secrets.get(AT_REST_SECRET);
  if (back !== key.toString('hex')) throw new AtRestKeyError('AT_REST_KEY_INVALID', 'The secret store did not keep the new at-rest key');
  return key;
}

/** The at-rest key among a profile's secrets (a backup's keys), or null when they hold none. */
export function atRestKeyIn(secrets: Readonly<Record<string, string>>): Buffer | null {
  const hex = secrets[AT_REST_SECRET];
  if (hex === undefined) return null;
  const key = Buffer.from(hex, 'hex');
  return key.length === AT_REST_KEY_BYTES ? key : null;
}
