// Disclosure pack layout (shared by export.ts, verify.ts; scripts/verify-pack.mjs repeats it):
//   manifest.json        PackManifest (canonical JSON): every other file with sha256 and size
//   manifest.sig         base64 Ed25519 by the device key over manifestSigningBytes(manifest)
//   receipt.json/.sig    the run's outbox receipts as stored + the server key; { receiptId: signature }
//   sbom.json            the run's SBOM artifact, when it has one
//   policy/decisions.json, policy/bundles.sha256, cards/<id>.json, records/<id>.json
//   logs/exec_<runId>.ndjson  the run's audit entries, one canonical entry per line
//   audit/proofs.json    RFC 9162 inclusion proofs of every card's and log entry's audit entry
import type { Role } from '../../../../shared/api/types';
import { canonicalJson } from '../../../../shared/canonical';
import type { ReceiptBody, SignedCheckpoint } from '../../../../shared/sync/protocol';
import type { SignedServerKeyStatement } from '../../../../shared/sync/server-keys';

export const PACK_FORMAT = 'maestro.pack.v1';

export interface PackManifest {
  format: typeof PACK_FORMAT;
  runId: string;
  workflow: string;
  runStatus: string;
  deviceId: string;
  /** base64 raw Ed25519 public key that signed manifest.sig. */
  devicePublicKey: string;
  policyVersion: string | null;
  createdAt: string;
  pii: { included: boolean; requested: boolean; role: Role; method: string | null; fields: { file: string; pointers: string[] }[] };
  files: { path: string; sha256: string; size: number }[];
}

export interface ReceiptsFile {
  serverKeyId: string | null;
  serverPublicKey: string | null;
  /**
   * The server key chain (key rotation, issue 18) when the device knows more than one key: receipts
   * may name any key of it, checked inside that key's window. The chain must contain the key above
   * (the one the device pinned); verifiers from before it check only receipts of that key.
   */
  serverKeys?: { root: { keyId: string; publicKey: string }; statements: SignedServerKeyStatement[] };
  receipts: { outboxId: string; idempotencyKey: string; contentHash: string | null; receipt: ReceiptBody }[];
}

export interface ProofsFile {
  treeSize: number;
  root: string;
  countersigned: boolean;
  checkpoint?: SignedCheckpoint;
  serverPublicKey?: string | null;
  proofs: { file: string; seq: number; entryHash: string; path: string[] }[];
}

export const manifestSigningBytes = (m: PackManifest): string => canonicalJson({ type: 'maestro.pack.manifest.v1', manifest: m });
