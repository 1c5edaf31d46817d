// The server's Ed25519 signing key: signs receipts and checkpoints so devices (and auditors) can
// prove what the server acknowledged. Loaded from MAESTRO_SERVER_KEY_FILE, or generated once next
// to the database and reused, so the key id devices pinned at enrollment stays valid.
import { createPrivateKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { keyIdOf, publicKeyFromRaw, rawPublicKey, signBase64, verifyBase64 } from '../../platform/ed25519';
import { createSigner } from './signer-pool';

export const SERVER_KEY_FILENAME = 'server-ed25519.pem';

export interface ServerKey {
  keyId: string;
  /** base64 of the raw 32-byte public key, as devices pin it. */
  publicKey: string;
  sign(message: string): string;
  /** Same signatures as sign(), in order; large batches are signed on worker threads. */
  signMany(messages: readonly string[]): Promise<string[]>;
  verify(message: string, signatureB64: string): boolean;
  /** Stops the signing workers (if any were started). */
  close(): Promise<void>;
}

export class ServerKeyError extends Error {
  override name = 'ServerKeyError';
}

export function serverKeyFrom(privateKey: KeyObject): ServerKey {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new ServerKeyError(`Server key must be an Ed25519 private key, got ${privateKey.asymmetricKeyType ?? privateKey.type}`);
  }
  const raw = rawPublicKey(privateKey);
  const publicKey = publicKeyFromRaw(raw);
  // Workers start on the first large batch only, so the CLI and most tests never spawn one.
  const signer = createSigner(privateKey);
  return {
    keyId: keyIdOf(raw),
    publicKey: raw.toString('base64'),
    sign: (m) => signBase64(privateKey, m),
    signMany: (ms) => signer.signMany(ms),
    verify: (m, s) => verifyBase64(publicKey, m, s),
    close: () => signer.close(),
  };
}

/** A fresh in-memory key (tests, benchmarks). */
export function generateServerKey(): ServerKey {
  return serverKeyFrom(generateKeyPairSync('ed25519').privateKey);
}

export interface LoadedServerKey {
  key: ServerKey;
  path: string;
  created: boolean;
  /** True when the file is readable by group or others (worth a warning, not a refusal). */
  looseMode: boolean;
}

/**
 * `keyFile` (PEM PKCS#8) when given — it must exist; otherwise `<dbDir>/server-ed25519.pem`,
 * created with mode 0600 on first start. `wx` makes creation atomic: two servers starting at
 * once cannot end up with different keys; the loser reads the winner's file.
 */
export function loadOrCreateServerKey(opts: { keyFile?: string; dbDir: string }): LoadedServerKey {
  const path = opts.keyFile ?? join(opts.dbDir, SERVER_KEY_FILENAME);
  let created = false;
  if (!opts.keyFile) {
    mkdirSync(dirname(path), { recursive: true });
    const pem = generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' });
    try {
      writeFileSync(path, pem, { mode: 0o600, flag: 'wx' });
      chmodSync(path, 0o600); // the umask may have narrowed, never widened, but be explicit
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  let pem: string;
  try {
    pem = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ServerKeyError(`Cannot read server key ${path}: ${(err as Error).message}`);
  }
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new ServerKeyError(`Server key ${path} is not a PEM private key`);
  }
  const looseMode = (statSync(path).mode & 0o077) !== 0;
  return { key: serverKeyFrom(privateKey), path, created, looseMode };
}
