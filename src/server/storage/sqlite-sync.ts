// Sqlite storage, sync: nonces, item ingest with receipts, audit anchoring, equivocations.
import { classifyExisting, itemAudit } from './common';
import { itemFeedRow, type FeedInsert } from './team';
import type { IngestOutcome, IngestRequest, IssuedReceipt, NewItem, ServerStorage } from './types';
import type { SqliteContext } from './sqlite-context';
import { pendingKey, UNSIGNED, type StoredRow } from './sqlite-helpers';
import { commitSignal, release, type FlyingClaim, type FlyingKey, type Winner } from './sqlite-inflight';

function syncMethods1({ q }: SqliteContext): Pick<ServerStorage, 'rememberNonce' | 'purgeNonces'> {
  return {
    rememberNonce: (device, nonce, seenAt) => Promise.resolve(q.insertNonce.run(device, nonce, seenAt).changes === 1),
    purgeNonces: (before) => Promise.resolve(q.purgeNonces.run(before).changes),
  };
}

/**
 * What a stored row answers. A row without its signature: only a server from before
 * single-transaction ingest (rows first, signatures in a second transaction) could leave one, if it
 * crashed in between. Re-signed on its next duplicate: Ed25519 is deterministic, the same signature.
 */
async function fromStored({ q }: SqliteContext, req: IngestRequest, row: StoredRow, contentHash: string): Promise<IngestOutcome> {
  if (row.content_hash !== contentHash || row.receipt_sig !== UNSIGNED) {
    return classifyExisting({ contentHash: row.content_hash, receipt: { json: row.receipt_json, signature: row.receipt_sig } }, contentHash);
  }
  const signature = (await req.sign([req.signingBytesOf(row.receipt_json)]))[0]!;
  q.repairSig.run(signature, row.server_seq);
  return { status: 'duplicate', receipt: { json: row.receipt_json, signature } };
}

type Fresh = { seq: number; key: string; item: NewItem; receipt: IssuedReceipt };
type Slot = (sigs: readonly string[]) => Promise<IngestOutcome>;
type Reservation = { keys: Map<string, FlyingKey>; claims: Map<string, FlyingClaim>; signal: ReturnType<typeof commitSignal<readonly string[]>> };
type Classified = Reservation & { fresh: Fresh[]; slots: Slot[] };

/**
 * An approval's answer when its card is decided already (stored, by a batch in flight, or earlier in
 * this one) by another key, else null after claiming the card for this batch.
 */
function judgeApproval(
  { q, inflight }: SqliteContext,
  req: IngestRequest,
  it: NewItem & { subject: string },
  claimed: Map<string, Winner & { key: string }>,
  seq: number,
): Slot | null {
  const local = claimed.get(it.subject);
  const flying = local ? undefined : inflight.claims.get(pendingKey(req.tenant, it.subject));
  let winner: (Winner & { key: string }) | undefined = local ?? (flying ? { ...flying.winner, key: flying.key } : undefined);
  if (!winner) {
    const stored = q.claim.get(req.tenant, it.subject) as
      { idempotency_key: string; device: string; user_id: string; server_seq: number; received_at: string } | undefined;
    if (stored)
      winner = { key: stored.idempotency_key, device: stored.device, user: stored.user_id, serverSeq: stored.server_seq, receivedAt: stored.received_at };
  }
  if (winner && winner.key !== it.idempotencyKey) {
    const { key: _key, ...w } = winner;
    // A winner in flight has won only once its batch commits (if it fails, so does this answer).
    return async () => {
      if (flying) await flying.stored;
      return { status: 'decided', winner: w };
    };
  }
  claimed.set(it.subject, { key: it.idempotencyKey, device: req.device, user: req.user ?? '', serverSeq: seq + 1, receivedAt: req.receivedAt });
  return null;
}

/**
 * Synchronous, so no other batch interleaves: each item's outcome (a slot awaiting the batch's
 * signatures), the items to store with their server_seq, and the keys and cards they reserve.
 */
function classifyBatch(ctx: SqliteContext, req: IngestRequest): Classified {
  const { q, inflight } = ctx;
  const fresh: Fresh[] = [];
  const slots: Slot[] = [];
  // Past every committed seq and every seq a batch in flight holds (a failed batch leaves a gap, as
  // a rolled-back PostgreSQL sequence does).
  let seq = Math.max(inflight.seq, (q.nextSeq.get() as { seq: number }).seq);
  const inBatch = new Map<string, number>();
  // Cards decided in this batch (card id → the winner), on top of approval_claims and batches in flight.
  const claimed = new Map<string, Winner & { key: string }>();
  // Every stored row of the batch's keys, read at once (nothing writes while this runs: it is synchronous).
  const stored = new Map(
    (q.existingItems.all(req.tenant, JSON.stringify(req.items.map((it) => it.idempotencyKey))) as StoredRow[]).map((r) => [r.idempotency_key, r]),
  );
  for (const it of req.items) {
    const hash = it.contentHash;
    const earlier = inBatch.get(it.idempotencyKey);
    if (earlier !== undefined) {
      const e = fresh[earlier]!;
      slots.push((sigs) =>
        Promise.resolve(classifyExisting({ contentHash: e.item.contentHash, receipt: { json: e.receipt.json, signature: sigs[earlier]! } }, hash)),
      );
      continue;
    }
    const flying = inflight.keys.get(pendingKey(req.tenant, it.idempotencyKey));
    if (flying) {
      slots.push(async () => classifyExisting({ contentHash: flying.contentHash, receipt: { json: flying.json, signature: await flying.signature } }, hash));
      continue;
    }
    const row = stored.get(it.idempotencyKey);
    if (row) {
      slots.push(() => fromStored(ctx, req, row, hash));
      continue;
    }
    if (it.kind === 'approval' && it.subject) {
      const decided = judgeApproval(ctx, req, { ...it, subject: it.subject }, claimed, seq);
      if (decided) {
        slots.push(decided);
        continue;
      }
    }
    seq += 1;
    const index = fresh.length;
    inBatch.set(it.idempotencyKey, index);
    fresh.push({ seq, key: pendingKey(req.tenant, it.idempotencyKey), item: it, receipt: req.receiptFor(it, seq) });
    slots.push((sigs) => Promise.resolve({ status: 'accepted', receipt: { json: fresh[index]!.receipt.json, signature: sigs[index]! } }));
  }
  inflight.seq = seq;
  return { fresh, slots, ...reserve(ctx, req, fresh, claimed) };
}

/** Registers the batch's new keys and claimed cards as in flight until it commits (or fails). */
function reserve(
  { inflight }: SqliteContext,
  req: IngestRequest,
  fresh: readonly Fresh[],
  claimed: ReadonlyMap<string, Winner & { key: string }>,
): Reservation {
  const signal = commitSignal<readonly string[]>();
  const keys = new Map<string, FlyingKey>();
  const claims = new Map<string, FlyingClaim>();
  fresh.forEach((f, k) => {
    const signature = signal.promise.then((s) => s[k]!);
    signature.catch(() => {});
    keys.set(f.key, { contentHash: f.item.contentHash, json: f.receipt.json, signature });
    inflight.keys.set(f.key, keys.get(f.key)!);
  });
  for (const [card, { key, ...winner }] of claimed) {
    const c: FlyingClaim = { key, winner, stored: signal.promise };
    claims.set(pendingKey(req.tenant, card), c);
    inflight.claims.set(pendingKey(req.tenant, card), c);
  }
  return { keys, claims, signal };
}

/** Inside the write transaction: the new rows (signed), their audit, claims and feed rows, the device's report. True if feed rows were added. */
function writeFresh({ q, auditMany, appendFeed }: SqliteContext, req: IngestRequest, fresh: readonly Fresh[], sigs: readonly string[]): boolean {
  const feedRows: FeedInsert[] = [];
  fresh.forEach((f, k) => {
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
      sigs[k]!,
      it.keyScope ?? null,
      it.subject ?? null,
      it.to ?? null,
    );
    if (it.kind === 'approval' && it.subject) {
      q.insertClaim.run(req.tenant, it.subject, it.idempotencyKey, req.device, req.user ?? '', f.seq, req.receivedAt);
    }
    const fr = itemFeedRow(req.device, it, f.seq);
    if (fr) feedRows.push(fr);
  });
  // One chained audit row per stored item, in server_seq order (decision 0034).
  auditMany(fresh.map((f) => itemAudit(req.receivedAt, req.device, f.item, f.seq)));
  appendFeed(req.tenant, feedRows, req.receivedAt);
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
  return feedRows.length > 0;
}

function syncMethods2(ctx: SqliteContext): Pick<ServerStorage, 'ingestBatch'> {
  const { db, inflight, feed } = ctx;
  return {
    ingestBatch: async (req) => {
      // One IMMEDIATE transaction per batch, its receipts signed before it starts: classify at once
      // (reserving seqs, keys and cards), sign on the worker threads while earlier batches write,
      // then write after the batch classified before this one, so rows commit in server_seq order.
      const { fresh, slots, keys, claims, signal } = classifyBatch(ctx, req);
      const signing = fresh.length > 0 ? req.sign(fresh.map((f) => f.receipt.signingBytes)) : Promise.resolve([]);
      const prev = inflight.tail;
      const written = (async () => {
        const sigs = await signing;
        await prev;
        let fed = false;
        try {
          db.transaction(() => {
            fed = writeFresh(ctx, req, fresh, sigs);
          }).immediate();
        } finally {
          release(inflight, keys, claims); // in the same tick as the commit: stored rows answer from here on
        }
        if (fed) feed.notify(req.tenant);
        return sigs;
      })();
      inflight.tail = written.catch(() => {});
      try {
        const sigs = await written;
        signal.resolve(sigs);
        return await Promise.all(slots.map((slot) => slot(sigs)));
      } catch (err) {
        signal.reject(err);
        release(inflight, keys, claims);
        throw err;
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
