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

/** Why a receipt does not speak of exactly this item, or null when every field matches. */
export function receiptMismatch(r: SignedReceipt, exp: ReceiptExpectation): string | null {
  for (const f of ['tenant', 'device', 'idempotencyKey', 'contentHash', 'serverKeyId'] as const) {
    if (r.receipt[f] !== exp[f]) return `receipt ${f} does not match the item`;
  }
  const got = [...(r.receipt.attachments ?? [])].sort().join(',');
  const want = [...(exp.attachments ?? [])].sort().join(',');
  if (got !== want) return 'receipt attachments do not match the attachments the item names';
  return null;
}
