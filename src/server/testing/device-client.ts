// What a device does on the wire, for tests and the benchmark: keys, signed request headers,
// encrypted-looking items and linked audit-hash chains. (The real client lives in src/main.)
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { H_DEVICE, H_NONCE, H_SIGNATURE, H_TIMESTAMP, requestSigningBytes, type AuditAnchorWire, type SyncItemWire } from '../../shared/sync/protocol';
import { rawPublicKey, signBase64 } from '../../platform/ed25519';
import { sha256Hex } from '../../platform/hash';

export interface DeviceKeys {
  privateKey: KeyObject;
  /** base64 raw public key, as sent in EnrollRequest */
  publicKey: string;
}

export function newDeviceKeys(): DeviceKeys {
  const { privateKey } = generateKeyPairSync('ed25519');
  return { privateKey, publicKey: rawPublicKey(privateKey).toString('base64') };
}

export interface SignOptions {
  timestamp?: string;
  nonce?: string;
}

export function signedHeaders(
  device: { id: string; privateKey: KeyObject },
  method: string,
  path: string,
  body: string | Uint8Array,
  now: Date,
  opts: SignOptions = {},
): Record<string, string> {
  const timestamp = opts.timestamp ?? now.toISOString();
  const nonce = opts.nonce ?? randomBytes(18).toString('base64url');
  const bodySha256 = sha256Hex(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
  const signature = signBase64(device.privateKey, requestSigningBytes({ method, path, timestamp, nonce, bodySha256 }));
  return { [H_DEVICE]: device.id, [H_TIMESTAMP]: timestamp, [H_NONCE]: nonce, [H_SIGNATURE]: signature };
}

export function randomKey(): string {
  return randomBytes(32).toString('hex');
}

/** A well-formed item over `bytes` (random stand-in ciphertext by default). */
export function makeItem(over: Partial<SyncItemWire> & { bytes?: Buffer } = {}): SyncItemWire {
  const { bytes = randomBytes(64), ...rest } = over;
  return {
    idempotencyKey: randomKey(),
    contract: 'field.inspect.site@1.2.0',
    kind: 'record',
    createdAt: '2025-01-01T00:00:00.000Z',
    keyVersion: 1,
    ciphertext: bytes.toString('base64'),
    iv: randomBytes(12).toString('base64'),
    tag: randomBytes(16).toString('base64'),
    contentHash: sha256Hex(bytes),
    ...rest,
  };
}

/** `count` linked entries continuing from `from` (seq, hash), as a device's audit log would have. */
export function auditChain(count: number, from: { seq: number; hash: string }): AuditAnchorWire {
  const entries: AuditAnchorWire['entries'] = [];
  let prev = from;
  for (let i = 0; i < count; i++) {
    const e = { seq: prev.seq + 1, prevHash: prev.hash, hash: randomKey() };
    entries.push(e);
    prev = { seq: e.seq, hash: e.hash };
  }
  return { entries, head: prev };
}
