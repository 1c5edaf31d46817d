import type { SignedReceipt } from './protocol';

/** What a receipt must speak of: exactly this item of this device in this tenant, under a server key the device trusts. */
export interface ReceiptExpectation {
  tenant: string;
  device: string;
  idempotencyKey: string;
  contentHash: string;
  /** The key id, or the ring of key ids the device trusts (server key rotation: its signature is checked with the named key). */
  serverKeyId: string | { has(keyId: string): boolean };
  /** Blob ids the item named; the receipt must name exactly these (none: absent or empty). */
  attachments?: readonly string[];
}

/** The first field of a receipt that does not speak of exactly this item (`attachments`: its blob ids), or null when every field matches. */
export function receiptMismatchField(
  r: SignedReceipt,
  exp: ReceiptExpectation,
): 'tenant' | 'device' | 'idempotencyKey' | 'contentHash' | 'serverKeyId' | 'attachments' | null {
  for (const f of ['tenant', 'device', 'idempotencyKey', 'contentHash'] as const) {
    if (r.receipt[f] !== exp[f]) return f;
  }
  const k = exp.serverKeyId;
  if (typeof k === 'string' ? r.receipt.serverKeyId !== k : !k.has(r.receipt.serverKeyId)) return 'serverKeyId';
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
