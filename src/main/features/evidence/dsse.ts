// Signatures on provenance (issue 19): a DSSE envelope (https://github.com/secure-systems-lab/dsse)
// is verified over its pre-authentication encoding with the keys the sealed policy lists
// (`params.provenanceKeys`: base64 SPKI DER; Ed25519 or ECDSA P-256/P-384). A Sigstore bundle with
// a public-key hint carries the same envelope and is verified the same way. A keyless Sigstore
// bundle (a Fulcio certificate, a Rekor entry) needs the Sigstore trust root, which an offline device
// does not hold: it is reported unverifiable. Only a verified statement sets the provenance flag.
import { createHash, createPublicKey, verify as cryptoVerify, type KeyObject } from 'node:crypto';

export interface ProvenanceKey {
  keyid: string;
  /** SPKI public key, PEM */
  publicKeyPem: string;
}

export interface SignatureCheck {
  verified: boolean;
  /** the keyid of the key that verified it */
  by: string | null;
  /** in words: why it is or is not verified */
  reason: string;
}

export interface DsseEnvelope {
  payloadType: string;
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** The DSSE v1 pre-authentication encoding: what is signed. */
export function pae(payloadType: string, payload: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${payload.length} `), payload]);
}

function keyObject(k: ProvenanceKey): KeyObject | null {
  try {
    return createPublicKey(k.publicKeyPem);
  } catch {
    return null;
  }
}

function verifyWith(key: KeyObject, message: Buffer, sig: Buffer): boolean {
  try {
    const type = key.asymmetricKeyType;
    if (type === 'ed25519') return cryptoVerify(null, message, key, sig);
    if (type === 'ec') {
      const curve = key.asymmetricKeyDetails?.namedCurve;
      return cryptoVerify(curve === 'secp384r1' ? 'sha384' : 'sha256', message, key, sig);
    }
    return false;
  } catch {
    return false;
  }
}

const isEnvelope = (v: unknown): v is DsseEnvelope =>
  typeof v === 'object' &&
  v !== null &&
  typeof (v as DsseEnvelope).payloadType === 'string' &&
  typeof (v as DsseEnvelope).payload === 'string' &&
  Array.isArray((v as DsseEnvelope).signatures);

/** Verifies an envelope: one signature that verifies with a listed key (its keyid, when given, must match) is enough. */
export function verifyEnvelope(env: unknown, keys: readonly ProvenanceKey[], hint: string | null = null): SignatureCheck {
  if (!isEnvelope(env)) return { verified: false, by: null, reason: 'not a DSSE envelope' };
  if (env.signatures.length === 0) return { verified: false, by: null, reason: 'the envelope carries no signature' };
  if (keys.length === 0) return { verified: false, by: null, reason: 'no provenance keys are configured in the policy (params.provenanceKeys)' };
  const message = pae(env.payloadType, Buffer.from(env.payload, 'base64'));
  for (const s of env.signatures) {
    if (typeof s?.sig !== 'string') continue;
    const sig = Buffer.from(s.sig, 'base64');
    const want = s.keyid || hint;
    for (const k of keys) {
      if (want && k.keyid !== want) continue;
      const key = keyObject(k);
      if (key && verifyWith(key, message, sig)) return { verified: true, by: k.keyid, reason: `signed by ${k.keyid}` };
    }
  }
  return { verified: false, by: null, reason: 'no signature verifies with a configured provenance key' };
}

/** A Sigstore bundle (v0.1–v0.3 media types): its DSSE envelope and how it may be verified here. */
export function verifySigstoreBundle(b: Record<string, unknown>, keys: readonly ProvenanceKey[]): { envelope: DsseEnvelope | null; check: SignatureCheck } {
  const env = b.dsseEnvelope;
  if (!isEnvelope(env)) return { envelope: null, check: { verified: false, by: null, reason: 'the Sigstore bundle holds no DSSE envelope' } };
  const vm = (b.verificationMaterial ?? {}) as Record<string, unknown>;
  const hint = typeof (vm.publicKey as { hint?: unknown } | undefined)?.hint === 'string' ? ((vm.publicKey as { hint: string }).hint ?? null) : null;
  if (hint === null)
    return {
      envelope: env,
      check: {
        verified: false,
        by: null,
        reason: 'a keyless Sigstore bundle (certificate and transparency log) cannot be verified offline: this device holds no Sigstore trust root',
      },
    };
  return { envelope: env, check: verifyEnvelope(env, keys, hint) };
}

/**
 * The keys a policy lists in `params.provenanceKeys`: each a base64 SPKI (DER) public key; its keyid
 * is the hex SHA-256 of those DER bytes (what a DSSE signature or a Sigstore public-key hint names).
 * Entries that are not a public key are dropped.
 */
export function provenanceKeysOf(params: Record<string, unknown> | null): ProvenanceKey[] {
  const raw = params?.provenanceKeys;
  if (!Array.isArray(raw)) return [];
  const out: ProvenanceKey[] = [];
  for (const k of raw) {
    if (typeof k !== 'string') continue;
    try {
      const der = Buffer.from(k, 'base64');
      const key = createPublicKey({ key: der, format: 'der', type: 'spki' });
      out.push({ keyid: keyidOfSpki(der), publicKeyPem: key.export({ type: 'spki', format: 'pem' }) as string });
    } catch {
      /* not a public key: ignored */
    }
  }
  return out;
}

/** The keyid of a public key: hex SHA-256 of its SPKI DER encoding. */
export function keyidOfSpki(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}
