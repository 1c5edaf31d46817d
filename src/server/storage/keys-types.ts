// What the storage keeps for key rotation (issue 18): the server key chain (server_keys) and each
// device's signing key history (device_keys). Both backends implement ServerKeyStorage.
// Generic over the audit row and certifier types of ./types.ts (which extends this interface), so the
// two modules do not import each other.
import type { SignedCertificate } from '../../shared/team/protocol';

/** A row of server_keys: seq 1 is the first key (no statement); later rows keep the signed statement JSON. */
export interface ServerKeyRow {
  keyId: string;
  seq: number;
  publicKey: string;
  /** JSON of the SignedServerKeyStatement (null for seq 1). */
  statementJson: string | null;
  validFrom: string;
  createdAt: string;
}

export interface DeviceKeyRotation<C> {
  device: string;
  /** The key the request was signed with: the rotation happens only while it is still the device's key. */
  oldPublicKey: string;
  newPublicKey: string;
  /** The new key's proof of possession (canonical JSON and its base64 signature). */
  proofJson: string;
  proofSig: string;
  at: string;
  certify: C;
}

export type DeviceKeyRotationResult =
  { ok: true; version: number; certificate: SignedCertificate } | { ok: false; reason: 'not_found' | 'revoked' | 'key_changed' | 'key_in_use' };

export interface ServerKeyStorage<A, C> {
  /** Every server key, oldest (seq 1) first. */
  listServerKeys(): Promise<ServerKeyRow[]>;
  /** Records `row` as seq 1 when the table is empty (the first instance to start wins); true when it was stored. Not audited: it records the key in use, nothing changes. */
  seedServerKey(row: ServerKeyRow): Promise<boolean>;
  /** Appends the next key when the newest stored key is still `headKeyId` (compare and set); false when another was added first. */
  appendServerKey(row: ServerKeyRow, headKeyId: string, audit: A): Promise<boolean>;
  /**
   * In one transaction: the device's signing key becomes `newPublicKey` (old and new kept in
   * device_keys), audit `device.key_rotated`, and a new certificate version with its feed row.
   */
  rotateDeviceKey(r: DeviceKeyRotation<C>): Promise<DeviceKeyRotationResult>;
  /** The device's key history, oldest first (empty before its first rotation). */
  deviceKeys(device: string): Promise<{ version: number; publicKey: string; validFrom: string; replacedAt: string | null }[]>;
}

/** The audit row of a device key rotation: both keys, so the history can be checked from the audit alone. */
export function rotationAudit(device: string, at: string, version: number, oldKey: string, newKey: string) {
  return { ts: at, actor: device, action: 'device.key_rotated', subject: device, payload: { version, previousKey: oldKey, publicKey: newKey } };
}

/** A server_keys row as both backends read it. */
export interface KeySqlRow {
  key_id: string;
  seq: number;
  public_key: string;
  statement_json: string | null;
  valid_from: string;
  created_at: string;
}

export const toKeyRow = (r: KeySqlRow): ServerKeyRow => ({
  keyId: r.key_id,
  seq: r.seq,
  publicKey: r.public_key,
  statementJson: r.statement_json,
  validFrom: r.valid_from,
  createdAt: r.created_at,
});

/** The INSERT parameters of a key row, in column order (key_id, seq, public_key, statement_json, valid_from, created_at). */
export const keyArgs = (r: ServerKeyRow): unknown[] => [r.keyId, r.seq, r.publicKey, r.statementJson, r.validFrom, r.createdAt];
