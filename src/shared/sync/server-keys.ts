// Server key rotation (issue 18): a new server signing key is introduced by a statement signed by
// the key before it (the authorisation) and by the new key itself (proof of possession, which also
// lets a device that pinned the newer key trust the older one backwards). The statements form a
// chain from the first key; devices learn it on sync and pull and accept an object signed by any key
// of the verified chain when the object's own time lies inside that key's window.
// Pure: callers bring Ed25519 (src/platform/server-key-chain.ts checks the signatures).
import { Type, type Static } from '@sinclair/typebox';
import { canonicalJson } from '../canonical';
import { constOf, obj } from '../typebox';
import { b64, iso, rawKey } from './wire-formats';
import type { SignedCertificate } from '../team/certificate';

/** Request header a device sends with the newest server key id it knows; the reply then carries the chain (`serverKeys`) when the server knows a later key. */
export const H_SERVER_KEYS = 'x-maestro-server-keys';
/** GET: the whole chain of statements (signed request). */
export const SERVER_KEYS_PATH = '/v1/server-keys';
/** Clock skew allowed around a key's window when judging an object's time. */
export const KEY_WINDOW_SKEW_MS = 5 * 60 * 1000;

const keyId = Type.String({ pattern: '^[0-9a-f]{16}$' });

export const serverKeyStatementSchema = obj({
  type: constOf('maestro.server-key.v1'),
  keyId,
  publicKey: rawKey,
  previousKeyId: keyId,
  previousPublicKey: rawKey,
  /** 2 for the first rotation: the first key is 1 (it has no statement). */
  seq: Type.Integer({ minimum: 2, maximum: 1_000_000 }),
  /** From this time instances holding the new key sign with it. */
  validFrom: iso,
  /** The previous key signs nothing dated after this time (≥ validFrom: the overlap). */
  previousValidUntil: iso,
  issuedAt: iso,
});
export type ServerKeyStatement = Static<typeof serverKeyStatementSchema>;

export const signedServerKeyStatementSchema = obj({
  statement: serverKeyStatementSchema,
  /** base64 Ed25519 signature by the previous key over serverKeyStatementBytes(statement) */
  sigPrev: b64(200),
  /** the same bytes signed by the new key */
  sigNew: b64(200),
});
export type SignedServerKeyStatement = Static<typeof signedServerKeyStatementSchema>;

/** The optional field of sync, changes and enrollment replies (only when the request sent H_SERVER_KEYS). */
export const serverKeysField = Type.Array(signedServerKeyStatementSchema, { maxItems: 1000 });

/** GET /v1/server-keys */
export const serverKeysResponseSchema = obj({
  /** The first key of the chain (seq 1). */
  root: obj({ keyId, publicKey: rawKey }),
  statements: serverKeysField,
});
export type ServerKeysResponse = Static<typeof serverKeysResponseSchema>;

export const serverKeyStatementBytes = (s: ServerKeyStatement): string => canonicalJson(s);

/** One key of a verified chain and the times it may have signed at (null: unbounded). */
export interface ServerKeyWindow {
  keyId: string;
  /** base64 raw Ed25519 public key */
  publicKey: string;
  seq: number;
  validFrom: string | null;
  validUntil: string | null;
}

/** Windows of the keys of a chain whose links are already checked (root first). */
export function keyWindows(root: { keyId: string; publicKey: string }, chain: readonly SignedServerKeyStatement[]): ServerKeyWindow[] {
  const out: ServerKeyWindow[] = [{ keyId: root.keyId, publicKey: root.publicKey, seq: 1, validFrom: null, validUntil: null }];
  for (const { statement: s } of chain) {
    out[out.length - 1]!.validUntil = s.previousValidUntil;
    out.push({ keyId: s.keyId, publicKey: s.publicKey, seq: s.seq, validFrom: s.validFrom, validUntil: null });
  }
  return out;
}

/** Whether an object dated `at` may carry a signature of the key of window `w` (± skew). */
export function windowAllows(w: ServerKeyWindow, at: string, skewMs = KEY_WINDOW_SKEW_MS): boolean {
  const t = Date.parse(at);
  if (!Number.isFinite(t)) return false;
  if (w.validFrom !== null && t < Date.parse(w.validFrom) - skewMs) return false;
  if (w.validUntil !== null && t > Date.parse(w.validUntil) + skewMs) return false;
  return true;
}

/** Why the links of a chain do not hold together (signatures aside), or null. */
export function chainShapeError(root: { keyId: string; publicKey: string }, chain: readonly SignedServerKeyStatement[]): string | null {
  let prev = { keyId: root.keyId, publicKey: root.publicKey, seq: 1, validFrom: null as string | null };
  for (const { statement: s } of chain) {
    if (s.previousKeyId !== prev.keyId || s.previousPublicKey !== prev.publicKey)
      return `statement ${s.seq} does not name key ${prev.keyId} as its predecessor`;
    if (s.seq !== prev.seq + 1) return `statement ${s.seq} does not follow ${prev.seq}`;
    if (prev.validFrom !== null && !(Date.parse(s.validFrom) > Date.parse(prev.validFrom))) return `statement ${s.seq} starts before its predecessor`;
    if (Date.parse(s.previousValidUntil) < Date.parse(s.validFrom)) return `statement ${s.seq} ends the old key before the new one starts`;
    prev = { keyId: s.keyId, publicKey: s.publicKey, seq: s.seq, validFrom: s.validFrom };
  }
  return null;
}

/** POST: a device replaces its own signing key; the request is signed with the old key. */
export const DEVICE_SIGNING_KEY_PATH = '/v1/device/signing-key';

/** What the new device key signs (canonical JSON): proof that the device holds it. */
export const deviceKeyProofSchema = obj({
  type: constOf('maestro.device-key.v1'),
  device: Type.String({ minLength: 1, maxLength: 64 }),
  previousKey: rawKey,
  publicKey: rawKey,
  at: iso,
});
export type DeviceKeyProof = Static<typeof deviceKeyProofSchema>;
export const deviceKeyProofBytes = (p: DeviceKeyProof): string => canonicalJson(p);

export const deviceKeyRequestSchema = obj({ publicKey: rawKey, at: iso, proof: b64(200) });
export type DeviceKeyRequest = Static<typeof deviceKeyRequestSchema>;
/** The reply: the key's version in the device's history and the certificate naming it. */
export interface DeviceKeyResponse {
  version: number;
  certificate: SignedCertificate;
}
