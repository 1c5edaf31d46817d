// Ed25519 keys and role signatures in the TUF shape, over RFC 8785 canonical JSON.
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign as edSign, verify as edVerify, type KeyObject } from 'node:crypto';
import { canonicalJson } from '../../../shared/canonical';
import type { Envelope, PublicKey, RoleName, RootMeta, Signature } from '../../../shared/bundles/types';
import { refuse } from '../../../shared/bundles/errors';

const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');

export function keyidOf(key: PublicKey): string {
  return createHash('sha256').update(canonicalJson(key)).digest('hex');
}

export function publicKeyOf(pub: KeyObject): PublicKey {
  const der = pub.export({ type: 'spki', format: 'der' });
  return { keytype: 'ed25519', scheme: 'ed25519', keyval: { public: der.subarray(SPKI_ED25519_PREFIX.length).toString('hex') } };
}

export function keyObjectOf(key: PublicKey): KeyObject {
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, Buffer.from(key.keyval.public, 'hex')]), format: 'der', type: 'spki' });
}

export interface SigningKey {
  keyid: string;
  publicKey: PublicKey;
  privateKey: KeyObject;
}

export function generateSigningKey(): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKeyOf(publicKey);
  return { keyid: keyidOf(pub), publicKey: pub, privateKey };
}

export function signingKeyFromPkcs8(der: Buffer): SigningKey {
  const privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
  const pub = publicKeyOf(createPublicKey(privateKey));
  return { keyid: keyidOf(pub), publicKey: pub, privateKey };
}

export const signedBytes = (signed: unknown): Buffer => Buffer.from(canonicalJson(signed), 'utf8');

export function signBytes(bytes: Buffer, key: SigningKey): Signature {
  return { keyid: key.keyid, sig: edSign(null, bytes, key.privateKey).toString('hex') };
}

/** Add (or replace) one key's signature: threshold signing happens one key at a time. */
export function addSignature<T>(env: Envelope<T>, key: SigningKey): Envelope<T> {
  const sig = signBytes(signedBytes(env.signed), key);
  return { signed: env.signed, signatures: [...env.signatures.filter((s) => s.keyid !== key.keyid), sig] };
}

export function signEnvelope<T>(signed: T, keys: SigningKey[]): Envelope<T> {
  return keys.reduce<Envelope<T>>((env, k) => addSignature(env, k), { signed, signatures: [] });
}

const keyCache = new Map<string, KeyObject>();
function cachedKey(keyid: string, key: PublicKey): KeyObject {
  let k = keyCache.get(keyid + key.keyval.public);
  if (!k) {
    k = keyObjectOf(key);
    keyCache.set(keyid + key.keyval.public, k);
  }
  return k;
}

/**
 * Check `env` carries at least `threshold` valid signatures from the keys `root` names for `role`.
 * Refusal codes say why it fell short: a key the root names for another role (wrong key for role),
 * a key the root does not name (unknown key), or too few valid signatures (threshold).
 * Returns the keyids whose signatures verified.
 */
export function verifyRoleSignatures(env: Envelope<unknown>, root: RootMeta, role: RoleName, what: string): string[] {
  const allowed = new Set(root.roles[role].keyids);
  const bytes = signedBytes(env.signed);
  const valid = new Set<string>();
  let wrongRole: string | null = null;
  let unknown: string | null = null;
  for (const s of env.signatures) {
    const key = root.keys[s.keyid];
    if (!key) {
      unknown ??= s.keyid;
      continue;
    }
    // A keyid must be the hash of the key it names, or one key could be counted under two ids.
    if (keyidOf(key) !== s.keyid) {
      unknown ??= s.keyid;
      continue;
    }
    if (!allowed.has(s.keyid)) {
      wrongRole ??= s.keyid;
      continue;
    }
    if (valid.has(s.keyid)) continue;
    if (edVerify(null, bytes, cachedKey(s.keyid, key), Buffer.from(s.sig, 'hex'))) valid.add(s.keyid);
  }
  const threshold = root.roles[role].threshold;
  if (valid.size >= threshold) return [...valid];
  const have = `${valid.size} of ${threshold} required`;
  // Some valid signatures, too few: a threshold problem (a rotated root's new keys are unknown to the old root).
  if (valid.size > 0) return refuse('BUNDLE_THRESHOLD', `${what}: ${have} valid ${role} signatures`, { role, valid: valid.size, threshold });
  if (wrongRole)
    refuse('BUNDLE_WRONG_ROLE_KEY', `${what}: signed by key ${wrongRole.slice(0, 12)}…, which the root names for a role other than ${role} (${have})`, {
      role,
      keyid: wrongRole,
    });
  if (unknown)
    refuse('BUNDLE_UNKNOWN_KEY', `${what}: signed by key ${unknown.slice(0, 12)}…, which the trusted root does not name (${have})`, { role, keyid: unknown });
  return refuse('BUNDLE_THRESHOLD', `${what}: ${have} valid ${role} signatures`, { role, valid: valid.size, threshold });
}
