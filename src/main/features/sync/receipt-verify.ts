import type { KeyObject } from 'node:crypto';
import { checkpointSigningBytes, type SignedCheckpoint } from '../../../shared/sync/protocol';
import { verifyBase64 } from '../../../platform/ed25519';

export { receiptMismatch } from '../../../shared/sync/receipt-match';

export const BAD_RECEIPT_SIGNATURE = 'receipt signature does not verify with the pinned server key';

export function checkCheckpoint(c: SignedCheckpoint, key: KeyObject, exp: { device: string; serverKeyId: string }): boolean {
  return (
    c.checkpoint.device === exp.device && c.checkpoint.serverKeyId === exp.serverKeyId && verifyBase64(key, checkpointSigningBytes(c.checkpoint), c.signature)
  );
}
