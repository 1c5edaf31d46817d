// The pipelined run loop (./pipeline.ts): one batch at the server at a time and in order, the next
// batch sealed while one is out, receipts checked and acked while the next is at the server. Checked
// end to end through the real sync-server app: the same receipts and states as one-at-a-time sends,
// a lost reply or a failed receipt check mid-run loses and duplicates nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { enrolledDevice } from './testing';
import type { Services } from '../../app/services';
import { receiptSigningBytes, type SignedReceipt } from '../../../shared/sync/protocol';
import { publicKeyFromRaw, verifyBase64 } from '../../../platform/ed25519';
import { sqliteBackend, type TestDb } from '../../../server/testing/backends';
import { createHarness, type Harness } from '../../../server/testing/harness';

const SITE = 'field.inspect.site@1.2.0';
const site = (n: number) => ({ siteId: `PS-${n}`, inspectedAt: '2025-02-20', location: { lat: 52, lon: 4 }, condition: 'good', inspector: { name: 'Ada' } });
const N = 250; // three batches: 100, 100, 50

let db: TestDb;
let h: Harness;
let s: Services;
/** Batch requests at the server right now, and the most at once. */
let atServer: number;
let maxAtServer: number;
/** The items of each batch request, in the order they reached the server. */
let sent: string[][];
/** Set to make the reply of the batch with this index (0-based) lost after the server stored it. */
let loseReply: number | null;

beforeEach(async () => {
  db = await sqliteBackend.open();
  h = await createHarness(db);
  atServer = 0;
  maxAtServer = 0;
  sent = [];
  loseReply = null;
  const fetchFn = (async (input: string | URL | Request, init?: RequestInit) => {
    if (!String(input).includes('/v1/sync/batch')) return h.app.fetch(new Request(input, init));
    const index = sent.length;
    sent.push((JSON.parse(String(init!.body)) as { items: { idempotencyKey: string }[] }).items.map((i) => i.idempotencyKey));
    atServer += 1;
    maxAtServer = Math.max(maxAtServer, atServer);
    try {
      const res = await h.app.fetch(new Request(input, init));
      await new Promise((r) => setTimeout(r, 5)); // room for the device to do its own work meanwhile
      if (index === loseReply) throw new TypeError('fetch failed'); // stored on the server, never heard
      return res;
    } finally {
      atServer -= 1;
    }
  }) as typeof fetch;
  s = await enrolledDevice(h, db, fetchFn);
});

afterEach(async () => {
  s.close();
  await h.serverKey.close();
  await db.dispose();
});

function capture(n: number): void {
  s.db.transaction(() => {
    for (let i = 0; i < n; i++) s.capture.submit({ contract: SITE, data: site(i) });
  })();
}

interface Row {
  id: string;
  idempotency_key: string;
  state: string;
  receipt: string | null;
  receipt_verified: number;
  content_hash: string | null;
  server_seq: number | null;
}
const rows = () =>
  s.db.prepare('SELECT id, idempotency_key, state, receipt, receipt_verified, content_hash, server_seq FROM outbox ORDER BY id').all() as Row[];

/** Every item acked once with a receipt for exactly its bytes, signed by the pinned server key. */
function expectAllAckedOnce(): void {
  const all = rows();
  expect(all).toHaveLength(N);
  const pinned = publicKeyFromRaw(s.sync.config()!.serverPublicKey);
  const seqs = new Set<number>();
  for (const r of all) {
    expect(r).toMatchObject({ state: 'acked', receipt_verified: 1 });
    const rc = JSON.parse(r.receipt!) as SignedReceipt;
    expect(rc.receipt).toMatchObject({ idempotencyKey: r.idempotency_key, contentHash: r.content_hash, serverSeq: r.server_seq });
    expect(verifyBase64(pinned, receiptSigningBytes(rc.receipt), rc.signature)).toBe(true);
    seqs.add(r.server_seq!);
  }
  expect(seqs.size).toBe(N); // the server stored each item once
}

describe('sync run loop: pipelined batches', () => {
  it('sends every item once, in order, one batch at the server at a time, and acks each with its verified receipt', async () => {
    capture(N);
    const r = await s.sync.syncNow();
    expect(r).toMatchObject({ acked: N, failed: 0, blocked: 0, phase: 'idle' });
    expectAllAckedOnce();
    expect(maxAtServer).toBe(1);
    // Oldest first: the batches in order, each in id order, every item in exactly one batch.
    const keys = rows().map((x) => x.idempotency_key);
    expect(sent.flat()).toEqual(keys);
    expect(sent.map((b) => b.length).filter((n) => n > 0)).toEqual([100, 100, 50]);
    // The server stored them in that order too.
    const seqs = rows().map((x) => x.server_seq!);
    expect([...seqs].sort((a, b) => a - b)).toEqual(seqs);
    expect(s.outbox.counts()).toMatchObject({ queued: 0, acked: N, dead: 0 });
  });

  it('a reply lost mid-run: that batch and the next (sealed meanwhile) stay queued; the next run acks them, nothing stored twice', async () => {
    capture(N);
    loseReply = 1;
    const first = await s.sync.syncNow();
    expect(first).toMatchObject({ acked: 100, phase: 'offline' });
    const after = rows();
    expect(after.filter((x) => x.state === 'acked')).toHaveLength(100);
    expect(after.slice(100).every((x) => x.state === 'queued' && x.receipt === null)).toBe(true);
    // The third batch was sealed while the second was out, never sent: its bytes wait, stored once.
    const sealedEarly = after.slice(200).map((x) => x.content_hash);
    expect(sealedEarly.every((c) => c !== null)).toBe(true);
    loseReply = null;
    const second = await s.sync.syncNow({ force: true });
    expect(second).toMatchObject({ acked: 150, phase: 'idle' });
    expectAllAckedOnce();
    expect(
      rows()
        .slice(200)
        .map((x) => x.content_hash),
    ).toEqual(sealedEarly);
  });

  it('a receipt check that fails (a verify worker died) acks none of that batch; the run stops with the error and the next run acks them', async () => {
    capture(N);
    // The engine's own pool (its deps), so the run uses the failing one.
    const pool = (s.sync as unknown as { d: { verifyPool: unknown } }).d.verifyPool as { verifyAll: (...a: unknown[]) => Promise<boolean[]> };
    const real = pool.verifyAll.bind(pool);
    let batches = 0;
    pool.verifyAll = (...a: unknown[]) =>
      (a[1] as unknown[]).length === 100 && ++batches === 2 ? Promise.reject(new Error('verify worker exited with code 1')) : real(...a);
    const first = await s.sync.syncNow();
    expect(first.phase).toBe('error');
    expect(s.sync.config()).not.toBeNull();
    const after = rows();
    // The first batch acked; the second's receipts were never checked, so it stays queued, unacked.
    expect(after.slice(0, 100).every((x) => x.state === 'acked')).toBe(true);
    expect(after.slice(100, 200).every((x) => x.state === 'queued' && x.receipt_verified === 0 && x.receipt === null)).toBe(true);
    pool.verifyAll = real;
    const second = await s.sync.syncNow({ force: true });
    expect(second).toMatchObject({ phase: 'idle' });
    expectAllAckedOnce();
  });
});
