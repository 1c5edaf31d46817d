import type { KeyObject } from 'node:crypto';
import { checkpointSigningBytes, receiptSigningBytes, type SignedCheckpoint, type SignedReceipt } from '../../../shared/sync/protocol';
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

/** A receipt is good only if the pinned server key signed it and it speaks of exactly this item. */
export function checkReceipt(r: SignedReceipt, key: KeyObject, exp: ReceiptExpectation): { ok: true } | { ok: false; reason: string } {
  const mismatch = receiptMismatch(r, exp);
  if (mismatch) return { ok: false, reason: mismatch };
  if (!verifyBase64(key, receiptSigningBytes(r.receipt), r.signature)) return { ok: false, reason: BAD_RECEIPT_SIGNATURE };
  return { ok: true };
}

export function checkCheckpoint(c: SignedCheckpoint, key: KeyObject, exp: { device: string; serverKeyId: string }): boolean {
  return (
    c.checkpoint.device === exp.device && c.checkpoint.serverKeyId === exp.serverKeyId && verifyBase64(key, checkpointSigningBytes(c.checkpoint), c.signature)
  );
}
