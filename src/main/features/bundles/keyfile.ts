// Bundle signing keys at rest. A key file is JSON and always carries the public key (so a root can
// be assembled from key files without any passphrase); the private key (PKCS#8 DER) is either
// sealed in the file under a passphrase (scrypt → AES-256-GCM) or kept in the OS keychain (keytar).
//
//   { "format": "maestro-ed25519-key/1", "keyid": "<hex>", "public": PublicKey,
//     "kdf": { "name": "scrypt", "salt": "<base64>", "N": 32768, "r": 8, "p": 1, "check": "<hex>" },
//     "cipher": { "name": "aes-256-gcm", "iv": "<base64>", "tag": "<base64>" },
//     "ciphertext": "<base64 of the PKCS#8 DER>" }
//
//   { "format": "maestro-ed25519-key/1", "keyid", "public",
//     "keychain": { "service": "Maestro bundle signing keys", "account": "<keyid>" } }
//
// scrypt yields 64 bytes: the first 32 are the AES key, a hash of the other 32 is `kdf.check`, so a
// wrong passphrase is told apart from a damaged file. The header (format, keyid, public, kdf) is the
// GCM additional data: changing any of it, or the ciphertext, makes decryption fail.
import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { canonicalJson } from '../../../shared/canonical';
import type { PublicKey } from '../../../shared/bundles/types';
import { keyidOf, signingKeyFromPkcs8, type SigningKey } from './keys';

export const KEY_FILE_FORMAT = 'maestro-ed25519-key/1';
/** Same cost as the passphrase vault (docs/decisions/0004-keys.md): ~100 ms, 32 MiB. */
export const KEY_FILE_KDF = { N: 32768, r: 8, p: 1 } as const;
export const KEYCHAIN_SERVICE = 'Maestro bundle signing keys';

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface KeyFileHeader {
  format: typeof KEY_FILE_FORMAT;
  keyid: string;
  public: PublicKey;
}
export interface EncryptedKeyFile extends KeyFileHeader {
  kdf: { name: 'scrypt'; salt: string; check: string } & ScryptParams;
  cipher: { name: 'aes-256-gcm'; iv: string; tag: string };
  ciphertext: string;
}
export interface KeychainKeyFile extends KeyFileHeader {
  keychain: { service: string; account: string };
}
export type KeyFile = EncryptedKeyFile | KeychainKeyFile;

export type KeyFileErrorCode = 'KEYFILE_INVALID' | 'KEYFILE_PASSPHRASE' | 'KEYFILE_TAMPERED' | 'KEYFILE_KEYCHAIN';

export class KeyFileError extends Error {
  constructor(
    readonly code: KeyFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'KeyFileError';
  }
}

/** The part of keytar this module uses (an in-memory fake in tests). */
export interface Keychain {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

function scrypt(passphrase: string, salt: Buffer, p: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(passphrase.normalize('NFC'), salt, 64, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r + 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

const checkOf = (derived: Buffer): string => createHash('sha256').update(derived.subarray(32)).digest('hex').slice(0, 32);
const aadOf = (f: Pick<EncryptedKeyFile, 'format' | 'keyid' | 'public' | 'kdf'>): Buffer =>
  Buffer.from(canonicalJson({ format: f.format, keyid: f.keyid, public: f.public, kdf: f.kdf }), 'utf8');

/** Write `data` to `path` with mode 0600 (through a temporary file, so a half-written key never exists). */
function writePrivate(path: string, data: string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, data, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, path);
}

const serialise = (f: KeyFile): string => `${JSON.stringify(f, null, 2)}\n`;

export async function encryptKey(key: SigningKey, passphrase: string, params: ScryptParams = KEY_FILE_KDF): Promise<EncryptedKeyFile> {
  if (!passphrase) throw new KeyFileError('KEYFILE_PASSPHRASE', 'an empty passphrase cannot protect a signing key');
  const salt = randomBytes(16);
  const derived = await scrypt(passphrase, salt, params);
  const header: Omit<EncryptedKeyFile, 'cipher' | 'ciphertext'> = {
    format: KEY_FILE_FORMAT,
    keyid: key.keyid,
    public: key.publicKey,
    kdf: { name: 'scrypt' as const, salt: salt.toString('base64'), N: params.N, r: params.r, p: params.p, check: checkOf(derived) },
  };
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', derived.subarray(0, 32), iv);
  c.setAAD(aadOf(header));
  const der = key.privateKey.export({ type: 'pkcs8', format: 'der' });
  const ct = Buffer.concat([c.update(der), c.final()]);
  return { ...header, cipher: { name: 'aes-256-gcm', iv: iv.toString('base64'), tag: c.getAuthTag().toString('base64') }, ciphertext: ct.toString('base64') };
}

export async function decryptKey(f: EncryptedKeyFile, passphrase: string, what = 'key file'): Promise<SigningKey> {
  const derived = await scrypt(passphrase, Buffer.from(f.kdf.salt, 'base64'), f.kdf);
  const check = Buffer.from(checkOf(derived), 'hex');
  const stored = Buffer.from(f.kdf.check, 'hex');
  if (stored.length !== check.length || !timingSafeEqual(stored, check)) throw new KeyFileError('KEYFILE_PASSPHRASE', `${what}: wrong passphrase`);
  let der: Buffer;
  try {
    const d = createDecipheriv('aes-256-gcm', derived.subarray(0, 32), Buffer.from(f.cipher.iv, 'base64'));
    d.setAAD(aadOf(f));
    d.setAuthTag(Buffer.from(f.cipher.tag, 'base64'));
    der = Buffer.concat([d.update(Buffer.from(f.ciphertext, 'base64')), d.final()]);
  } catch {
    throw new KeyFileError('KEYFILE_TAMPERED', `${what}: the passphrase is right but the encrypted key or its header was altered (authentication failed)`);
  }
  return checkedKey(der, f, what);
}

function checkedKey(der: Buffer, f: KeyFileHeader, what: string): SigningKey {
  let key: SigningKey;
  try {
    key = signingKeyFromPkcs8(der);
  } catch {
    throw new KeyFileError('KEYFILE_TAMPERED', `${what}: the private key is not an Ed25519 PKCS#8 key`);
  }
  if (key.keyid !== f.keyid) throw new KeyFileError('KEYFILE_TAMPERED', `${what}: the private key does not belong to keyid ${f.keyid.slice(0, 12)}…`);
  return key;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isStr = (v: unknown): v is string => typeof v === 'string';

/** Parse and check a key file's JSON (shape, and that its keyid is the hash of its public key). */
export function parseKeyFile(text: string, what = 'key file'): KeyFile {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    throw new KeyFileError('KEYFILE_INVALID', `${what}: not JSON`);
  }
  const bad = (why: string): never => {
    throw new KeyFileError('KEYFILE_INVALID', `${what}: ${why}`);
  };
  if (!isObj(v) || v.format !== KEY_FILE_FORMAT) return bad(`not a ${KEY_FILE_FORMAT} key file`);
  const pub = v.public;
  if (
    !isObj(pub) ||
    pub.keytype !== 'ed25519' ||
    pub.scheme !== 'ed25519' ||
    !isObj(pub.keyval) ||
    !isStr(pub.keyval.public) ||
    !/^[0-9a-f]{64}$/.test(pub.keyval.public)
  )
    return bad('public key missing or not Ed25519');
  const publicKey: PublicKey = { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: pub.keyval.public } };
  if (v.keyid !== keyidOf(publicKey)) return bad('keyid is not the hash of the public key');
  if (isObj(v.keychain)) {
    if (!isStr(v.keychain.service) || !isStr(v.keychain.account)) return bad('keychain entry needs service and account');
    return { format: KEY_FILE_FORMAT, keyid: v.keyid, public: publicKey, keychain: { service: v.keychain.service, account: v.keychain.account } };
  }
  const { kdf, cipher, ciphertext } = v;
  if (
    !isObj(kdf) ||
    kdf.name !== 'scrypt' ||
    !isStr(kdf.salt) ||
    !isStr(kdf.check) ||
    ![kdf.N, kdf.r, kdf.p].every((n) => Number.isInteger(n) && (n as number) > 0)
  )
    return bad('kdf must be scrypt with salt, N, r, p, check');
  if (!isObj(cipher) || cipher.name !== 'aes-256-gcm' || !isStr(cipher.iv) || !isStr(cipher.tag)) return bad('cipher must be aes-256-gcm with iv and tag');
  if (!isStr(ciphertext)) return bad('ciphertext missing');
  return {
    format: KEY_FILE_FORMAT,
    keyid: v.keyid,
    public: publicKey,
    kdf: { name: 'scrypt', salt: kdf.salt, N: kdf.N as number, r: kdf.r as number, p: kdf.p as number, check: kdf.check },
    cipher: { name: 'aes-256-gcm', iv: cipher.iv, tag: cipher.tag },
    ciphertext,
  };
}

export function loadKeyFile(path: string): KeyFile {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new KeyFileError('KEYFILE_INVALID', `${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? String(e)})`);
  }
  return parseKeyFile(text, path);
}

export const isKeychainKeyFile = (f: KeyFile): f is KeychainKeyFile => 'keychain' in f;

/** The public half of a key file (either kind): no passphrase, no keychain. */
export function readPublicKeyFile(path: string): { keyid: string; publicKey: PublicKey } {
  const f = loadKeyFile(path);
  return { keyid: f.keyid, publicKey: f.public };
}

/** Seal `key` under `passphrase` into `path` (mode 0600). Returns what was written. */
export async function writeKeyFile(path: string, key: SigningKey, passphrase: string, params: ScryptParams = KEY_FILE_KDF): Promise<EncryptedKeyFile> {
  const f = await encryptKey(key, passphrase, params);
  writePrivate(path, serialise(f));
  return f;
}

/** The signing key of a passphrase key file. Wrong passphrase → KeyFileError KEYFILE_PASSPHRASE. */
export async function readKeyFile(path: string, passphrase: string): Promise<SigningKey> {
  const f = loadKeyFile(path);
  if (isKeychainKeyFile(f))
    throw new KeyFileError('KEYFILE_INVALID', `${path}: the private key is in the OS keychain, not in this file (use readKeychainKeyFile)`);
  return decryptKey(f, passphrase, path);
}

/**
 * keytar, when it is installed and a keychain answers (a headless machine may have no Secret
 * Service, or one that hangs: both mean none). The same probe as KeychainStore.open.
 */
export async function openKeychain(timeoutMs = 3000): Promise<Keychain | null> {
  let keytar: Keychain;
  try {
    // A variable specifier: keytar is an optional dependency, absent on some machines.
    const specifier = 'keytar';
    const mod = (await import(specifier)) as unknown as { default?: Keychain } & Keychain;
    keytar = mod.default ?? mod;
  } catch {
    return null;
  }
  const account = `probe-${randomBytes(4).toString('hex')}`;
  const probe = (async () => {
    await keytar.setPassword(KEYCHAIN_SERVICE, account, 'ok');
    const v = await keytar.getPassword(KEYCHAIN_SERVICE, account);
    await keytar.deletePassword(KEYCHAIN_SERVICE, account);
    return v === 'ok';
  })();
  const timeout = new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref());
  try {
    return (await Promise.race([probe, timeout])) ? keytar : null;
  } catch {
    return null;
  }
}

async function requireKeychain(keychain: Keychain | null | undefined): Promise<Keychain> {
  const kc = keychain ?? (await openKeychain());
  if (!kc) throw new KeyFileError('KEYFILE_KEYCHAIN', 'no OS keychain is available (keytar missing, or no Secret Service answered)');
  return kc;
}

/** Put the private key in the OS keychain (account = keyid) and write a key file that points at it. */
export async function writeKeychainKeyFile(
  path: string,
  key: SigningKey,
  opts: { keychain?: Keychain | null; service?: string } = {},
): Promise<KeychainKeyFile> {
  const kc = await requireKeychain(opts.keychain);
  const entry = { service: opts.service ?? KEYCHAIN_SERVICE, account: key.keyid };
  await kc.setPassword(entry.service, entry.account, key.privateKey.export({ type: 'pkcs8', format: 'der' }).toString('base64'));
  const f: KeychainKeyFile = { format: KEY_FILE_FORMAT, keyid: key.keyid, public: key.publicKey, keychain: entry };
  writePrivate(path, serialise(f));
  return f;
}

export async function readKeychainKeyFile(path: string, opts: { keychain?: Keychain | null } = {}): Promise<SigningKey> {
  const f = loadKeyFile(path);
  if (!isKeychainKeyFile(f)) throw new KeyFileError('KEYFILE_INVALID', `${path}: a passphrase key file, not a keychain one (use readKeyFile)`);
  const kc = await requireKeychain(opts.keychain);
  const secret = await kc.getPassword(f.keychain.service, f.keychain.account);
  if (!secret) throw new KeyFileError('KEYFILE_KEYCHAIN', `${path}: the keychain has no entry ${f.keychain.service}/${f.keychain.account}`);
  return checkedKey(Buffer.from(secret, 'base64'), f, path);
}

/**
 * Either kind of key file. `passphrase` is asked for only when the file is a passphrase one (so a
 * CLI prompts only when it has to).
 */
export async function loadSigningKey(
  path: string,
  opts: { passphrase: (f: EncryptedKeyFile) => string | Promise<string>; keychain?: Keychain | null },
): Promise<SigningKey> {
  const f = loadKeyFile(path);
  if (isKeychainKeyFile(f)) return readKeychainKeyFile(path, { keychain: opts.keychain });
  return decryptKey(f, await opts.passphrase(f), path);
}
