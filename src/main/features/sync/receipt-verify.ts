import type { KeyObject } from 'node:crypto';
import { checkpointSigningBytes, type SignedCheckpoint, type SignedReceipt } from '../../../shared/sync/protocol';
import { verifyBase64 } from '../../../platform/ed25519';

export interface ReceiptExpectation {
  tenant: string;
  device: string;
  idempotencyKey: string;
  contentHash: string;
  serverKeyId: string;
}

/** Why a receipt does not speak of exactly this item, or null when every field matches. */
export function receiptMismatch(r: SignedReceipt, exp: ReceiptExpectation): string | null {
  for (const f of ['tenant', 'device', 'idempotencyKey', 'contentHash', 'serverKeyId'] as const) {
    if (r.receipt[f] !== exp[f]) return `receipt ${f} does not match the item`;
  }
  return null;
}

export const BAD_RECEIPT_SIGNATURE = 'receipt signature does not verify with the pinned server key';

export function checkCheckpoint(c: SignedCheckpoint, key: KeyObject, exp: { device: string; serverKeyId: string }): boolean {
  return (
    c.checkpoint.device === exp.device && c.checkpoint.serverKeyId === exp.serverKeyId && verifyBase64(key, checkpointSigningBytes(c.checkpoint), c.signature)
  );
}
