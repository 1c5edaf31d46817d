// Sqlite storage, sync: nonces, item ingest with receipts, audit anchoring, equivocations.
import { classifyExisting, itemAudit } from './common';
import { itemFeedRow, type FeedInsert } from './team';
import type { IngestOutcome, IngestRequest, IssuedReceipt, NewItem, ServerStorage } from './types';
import type { SqliteContext } from './sqlite-context';
import { UNSIGNED, pendingKey, type StoredRow } from './sqlite-helpers';

function syncMethods1({ q }: SqliteContext): Pick<ServerStorage, 'rememberNonce' | 'purgeNonces'> {
  return {
    rememberNonce: (device, nonce, seenAt) => Promise.resolve(q.insertNonce.run(device, nonce, seenAt).changes === 1),
    purgeNonces: (before) => Promise.resolve(q.purgeNonces.run(before).changes),
  };
}

type Fresh = { seq: number; key: string; item: NewItem; receipt: IssuedReceipt };
type Slot = (sigs: readonly string[]) => Promise<IngestOutcome>;

/** Inside the write lock: each item's outcome (a slot awaiting the batch's signatures), and the items to store. */
function classifyBatch({ q, fromStored }: SqliteContext, req: IngestRequest): { fresh: Fresh[]; slots: Slot[] } {
  const fresh: Fresh[] = [];
  const slots: Slot[] = [];
  // The write lock is held, so the next AUTOINCREMENT value is ours to use.
  let seq = (q.nextSeq.get() as { seq: number }).seq;
  const inBatch = new Map<string, { contentHash: string; index: number }>();
  // Cards decided in this batch (card id → the winner), on top of approval_claims.
  const claimed = new Map<string, Extract<IngestOutcome, { status: 'decided' }>['winner'] & { key: string }>();
  for (const it of req.items) {
    const earlier = inBatch.get(it.idempotencyKey);
    if (earlier) {
      slots.push((sigs) =>
        Promise.resolve(
          classifyExisting(
            { contentHash: earlier.contentHash, receipt: { json: fresh[earlier.index]!.receipt.json, signature: sigs[earlier.index]! } },
            it.contentHash,
          ),
        ),
      );
      continue;
    }
    const row = q.existingItem.get(req.tenant, it.idempotencyKey) as StoredRow | undefined;
    if (row) {
      slots.push(() => fromStored(req, row, it.contentHash));
      continue;
    }
    if (it.kind === 'approval' && it.subject) {
      // The first decision per card wins; a later one (another key) stores nothing.
      const stored = q.claim.get(req.tenant, it.subject) as
        { idempotency_key: string; device: string; user_id: string; server_seq: number; received_at: string } | undefined;
      const winner =
        claimed.get(it.subject) ??
        (stored
          ? { key: stored.idempotency_key, device: stored.device, user: stored.user_id, serverSeq: stored.server_seq, receivedAt: stored.received_at }
          : undefined);
      if (winner && winner.key !== it.idempotencyKey) {
        const { key: _key, ...w } = winner;
        slots.push(() => Promise.resolve({ status: 'decided', winner: w }));
        continue;
      }
      claimed.set(it.subject, { key: it.idempotencyKey, device: req.device, user: req.user ?? '', serverSeq: seq + 1, receivedAt: req.receivedAt });
    }
    seq += 1;
    const index = fresh.length;
    inBatch.set(it.idempotencyKey, { contentHash: it.contentHash, index });
    fresh.push({ seq, key: pendingKey(req.tenant, it.idempotencyKey), item: it, receipt: req.receiptFor(it, seq) });
    slots.push((sigs) => Promise.resolve({ status: 'accepted', receipt: { json: fresh[index]!.receipt.json, signature: sigs[index]! } }));
  }
  return { fresh, slots };
}

/** Inside the write lock: the new rows (receipts not yet signed), their audit, claims and feed rows, the device's report. True if feed rows were added. */
function writeFresh({ q, audit, appendFeed }: SqliteContext, req: IngestRequest, fresh: readonly Fresh[]): boolean {
  const feedRows: FeedInsert[] = [];
  for (const f of fresh) {
    const it = f.item;
    q.insertItem.run(
      f.seq,
      req.tenant,
      req.device,
      it.idempotencyKey,
      it.contract,
      it.kind,
      it.createdAt,
      it.keyVersion,
      it.ciphertext,
      it.iv,
      it.tag,
      it.contentHash,
      req.receivedAt,
      f.receipt.json,
      UNSIGNED,
      it.keyScope ?? null,
      it.subject ?? null,
      it.to ?? null,
    );
    audit(itemAudit(req.receivedAt, req.device, it, f.seq));
    if (it.kind === 'approval' && it.subject) {
      q.insertClaim.run(req.tenant, it.subject, it.idempotencyKey, req.device, req.user ?? '', f.seq, req.receivedAt);
    }
    const fr = itemFeedRow(req.device, it, f.seq);
    if (fr) feedRows.push(fr);
  }
  // Feed rows may name an item whose receipt is still being signed: pulls sign it themselves
  // (Ed25519 is deterministic: the same signature phase 2 stores).
  appendFeed(req.tenant, feedRows, req.receivedAt);
  const fed = feedRows.length > 0;
  q.touchDevice.run(req.receivedAt, req.appVersion, req.device);
  if (req.registry) {
    const st = req.registry.state;
    q.registerState.run({
      id: req.device,
      pending: st?.pendingCount ?? null,
      dead: st?.deadLetterCount ?? null,
      contracts: st ? JSON.stringify(st.contractVersions) : null,
      versionLevel: req.registry.versionLevel,
      baseLevel: req.registry.baseLevel,
    });
    q.upsertSnapshot.run(req.registry.snapshot);
  }
  return fed;
}

function syncMethods2(ctx: SqliteContext): Pick<ServerStorage, 'ingestBatch'> {
  const { db, q, pendingSigs, feed } = ctx;
  return {
    ingestBatch: async (req) => {
      // Phase 1, one synchronous IMMEDIATE transaction: classify every item, give new ones their
      // server_seq and receipt, start signing (worker threads), and write the rows while the
      // signatures are computed. Phase 2 stores the signatures. Until then a row's receipt_sig is
      // '' and never leaves the server: a concurrent duplicate waits for the pending signature, and
      // a row a crash left unsigned is re-signed on its next duplicate (Ed25519 is deterministic,
      // so the signature is the one phase 2 would have stored).
      let fresh: Fresh[] = [];
      let slots: Slot[] = [];
      let signing: Promise<string[]> = Promise.resolve([]);
      let fed = false;
      db.transaction(() => {
        ({ fresh, slots } = classifyBatch(ctx, req));
        signing = req.sign(fresh.map((f) => f.receipt.signingBytes));
        signing.catch(() => {}); // observed below; this only keeps a rollback from leaving it unhandled
        fed = writeFresh(ctx, req, fresh);
        fresh.forEach((f, k) => {
          const sig = signing.then((s) => s[k]!);
          sig.catch(() => {}); // a waiting duplicate sees the rejection; nobody waiting is fine too
          pendingSigs.set(f.key, sig);
        });
      }).immediate();
      if (fed) feed.notify(req.tenant);

      try {
        const sigs = await signing;
        if (fresh.length > 0) {
          db.transaction(() => {
            fresh.forEach((f, k) => q.setSig.run(sigs[k]!, f.seq));
          }).immediate();
        }
        return await Promise.all(slots.map((slot) => slot(sigs)));
      } finally {
        for (const f of fresh) pendingSigs.delete(f.key);
      }
    },
  };
}

function syncMethods3({ db, q, audit }: SqliteContext): Pick<ServerStorage, 'lastServerSeq' | 'auditHashes' | 'advanceAnchor' | 'recordEquivocation'> {
  return {
    lastServerSeq: () => Promise.resolve((q.lastSeq.get() as { seq: number }).seq),

    auditHashes: (device, from, to) =>
      Promise.resolve(
        (q.hashes.all(device, from, to) as Array<{ seq: number; prev_hash: string; hash: string }>).map((r) => ({
          seq: r.seq,
          prevHash: r.prev_hash,
          hash: r.hash,
        })),
      ),

    advanceAnchor: (a) =>
      Promise.resolve(
        db
          .transaction(() => {
            const moved = q.casAnchor.run(a.head.seq, a.head.hash, JSON.stringify(a.frontier), a.device, a.expected.seq, a.expected.hash).changes;
            if (moved !== 1) return false;
            for (const e of a.entries) q.insertHash.run(a.device, e.seq, e.prevHash, e.hash);
            audit(a.audit);
            return true;
          })
          .immediate(),
      ),

    recordEquivocation: (e) => {
      db.transaction(() => {
        q.flag.run(e.detectedAt, e.device);
        q.insertEquivocation.run(e.device, e.seq, e.storedHash, e.claimedHash, e.detectedAt, JSON.stringify(e.evidence));
        audit(e.audit);
      }).immediate();
      return Promise.resolve();
    },
  };
}

export function sqliteSyncMethods(ctx: SqliteContext) {
  return { ...syncMethods1(ctx), ...syncMethods2(ctx), ...syncMethods3(ctx) };
}
