import type { ServerKeyResolver } from '../../platform/device/server-keys';
import { checkpointSigningBytes, type SignedCheckpoint } from '../../../shared/sync/protocol';
import { verifyBase64 } from '../../../platform/ed25519';

import { msg, type Message } from '../../../shared/messages';
import { receiptMismatchField, type ReceiptExpectation } from '../../../shared/sync/receipt-match';
import type { SignedReceipt } from '../../../shared/sync/protocol';

/** "receipt signature does not verify with the pinned server key" */
export const BAD_RECEIPT_SIGNATURE: Message = Object.freeze(msg('alerts.receipt.signature'));

/** Why a receipt does not speak of exactly this item (alerts.receipt.*), or null when every field matches. */
export function receiptMismatch(r: SignedReceipt, exp: ReceiptExpectation): Message | null {
  const field = receiptMismatchField(r, exp);
  if (field === null) return null;
  return field === 'attachments' ? msg('alerts.receipt.attachments') : msg('alerts.receipt.field', { field });
}

/** A countersigned checkpoint of this device, signed by the key it names (in the ring, inside that key's window). */
export function checkCheckpoint(c: SignedCheckpoint, ring: ServerKeyResolver, exp: { device: string }): boolean {
  const key = ring.keyFor(c.checkpoint.serverKeyId, c.checkpoint.time);
  return c.checkpoint.device === exp.device && key !== null && verifyBase64(key, checkpointSigningBytes(c.checkpoint), c.signature);
}
