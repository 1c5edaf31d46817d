import type { SignedReceipt } from './protocol';

/** What a receipt must speak of: exactly this item of this device in this tenant, under the pinned server key. */
export interface ReceiptExpectation {
  tenant: string;
  device: string;
  idempotencyKey: string;
  contentHash: string;
  serverKeyId: string;
  /** Blob ids the item named; the receipt must name exactly these (none: absent or empty). */
  attachments?: readonly string[];
}

/** The first field of a receipt that does not speak of exactly this item (`attachments`: its blob ids), or null when every field matches. */
export function receiptMismatchField(
  r: SignedReceipt,
  exp: ReceiptExpectation,
): 'tenant' | 'device' | 'idempotencyKey' | 'contentHash' | 'serverKeyId' | 'attachments' | null {
  for (const f of ['tenant', 'device', 'idempotencyKey', 'contentHash', 'serverKeyId'] as const) {
    if (r.receipt[f] !== exp[f]) return f;
  }
  const got = [...(r.receipt.attachments ?? [])].sort().join(',');
  const want = [...(exp.attachments ?? [])].sort().join(',');
  return got !== want ? 'attachments' : null;
}

/** Why a receipt does not speak of exactly this item, or null when every field matches. */
export function receiptMismatch(r: SignedReceipt, exp: ReceiptExpectation): string | null {
  const f = receiptMismatchField(r, exp);
  if (f === null) return null;
  return f === 'attachments' ? 'receipt attachments do not match the attachments the item names' : `receipt ${f} does not match the item`;
}
