// Signing in-toto statements for tests and the demo: a DSSE envelope signed with the development
// provenance key (resources/trust/dev-keys/provenance.pem), which the development policy lists in
// params.provenanceKeys.
import { createPrivateKey, createPublicKey, sign, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { keyidOfSpki, pae } from './dsse';

export interface ProvenanceSigner {
  keyid: string;
  privateKey: KeyObject;
}

/** The development provenance key under `resourcesDir` (keyid: SHA-256 of its SPKI DER, as the policy's list gives it). */
export function devProvenanceKey(resourcesDir: string): ProvenanceSigner {
  const privateKey = createPrivateKey(readFileSync(join(resourcesDir, 'trust', 'dev-keys', 'provenance.pem')));
  return { keyid: keyidOfSpki(createPublicKey(privateKey).export({ type: 'spki', format: 'der' })), privateKey };
}

/** A DSSE envelope around `statement`, signed with `key`. */
export function signStatement(statement: unknown, key: ProvenanceSigner): Record<string, unknown> {
  const payloadType = 'application/vnd.in-toto+json';
  const payload = Buffer.from(JSON.stringify(statement));
  const sig = sign(null, pae(payloadType, payload), key.privateKey).toString('base64');
  return { payloadType, payload: payload.toString('base64'), signatures: [{ keyid: key.keyid, sig }] };
}
