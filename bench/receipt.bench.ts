import { generateKeyPairSync, randomBytes, sign, verify } from 'node:crypto';
import { receiptSigningBytes, type SignedReceipt } from '../src/shared/sync/protocol';
import { receiptMismatch } from '../src/main/features/sync/receipt-verify';
import { VerifyPool } from '../src/main/features/sync/verify-pool';
import { DEFAULT_RESOURCES_DIR } from '../src/main/app/services';
import { emit, size } from './figure';

export async function run(): Promise<void> {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const n = size(20_000, 400);
  const receipts: SignedReceipt[] = Array.from({ length: n }, (_, i) => {
    const receipt = {
      receiptId: `rcpt_${i}`,
      tenant: 'acme',
      device: 'dev_bench',
      idempotencyKey: randomBytes(32).toString('hex'),
      contentHash: randomBytes(32).toString('hex'),
      serverSeq: i + 1,
      receivedAt: new Date().toISOString(),
      serverKeyId: 'k1',
    };
    return { receipt, signature: sign(null, Buffer.from(receiptSigningBytes(receipt)), privateKey).toString('base64') };
  });
  const pool = new VerifyPool(DEFAULT_RESOURCES_DIR);
  await pool.verifyAll(
    publicKey,
    receipts.slice(0, 200).map((r) => [receiptSigningBytes(r.receipt), r.signature]),
  ); // start workers

  // What the sync engine does per receipt: field match, canonical bytes, signature (parallel).
  // Chunks go to the workers as soon as their bytes are ready, so preparing chunk k+1 on the main
  // thread overlaps with the workers checking chunk k.
  const t = performance.now();
  const pending: Promise<boolean[]>[] = [];
  for (let i = 0; i < n; i += 1000) {
    const chunk = receipts.slice(i, i + 1000).filter((r) => receiptMismatch(r, { ...r.receipt }) === null);
    pending.push(
      pool.verifyAll(
        publicKey,
        chunk.map((r) => [receiptSigningBytes(r.receipt), r.signature]),
      ),
    );
    await new Promise((r) => setImmediate(r));
  }
  for (const ok of await Promise.all(pending)) if (ok.includes(false)) throw new Error('bench receipt failed to verify');
  const rate = n / ((performance.now() - t) / 1000);
  await pool.close();

  const bytes = receipts.map((r) => [Buffer.from(receiptSigningBytes(r.receipt)), Buffer.from(r.signature, 'base64')] as const);
  const t2 = performance.now();
  for (const [b, s] of bytes) verify(null, b, publicKey, s);
  const ref = n / ((performance.now() - t2) / 1000);
  emit({ name: 'receipt.verify', value: rate, unit: 'receipts/s', ref, refName: 'raw crypto.verify, one thread, same receipts', target: '>= 10000' });
}
