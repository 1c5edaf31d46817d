import type { SignedReceipt } from './protocol';

/** What a receipt must speak of: exactly this item of this device in this tenant, under the pinned server key. */
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
