// Postgres storage, sync: nonces, item ingest with receipts, audit anchoring, equivocations.
import type pg from 'pg';
import { classifyExisting, itemAudit } from './common';
import { itemFeedRow, type FeedInsert } from './team';
import type { IngestOutcome, IngestRequest, IssuedReceipt, NewItem, ServerStorage } from './types';
import type { PostgresContext } from './postgres-context';
import { UPSERT_SNAPSHOT, snapshotArgs, withTx, winnerOf, type StoredRow, type Winner, type ClaimRow } from './postgres-helpers';

function syncMethods1({ pool }: PostgresContext): Pick<ServerStorage, 'rememberNonce' | 'purgeNonces'> {
  return {
    async rememberNonce(device, nonce, seenAt) {
      const r = await pool.query('INSERT INTO nonces (device, nonce, seen_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING', [device, nonce, seenAt]);
      return r.rowCount === 1;
    },

    async purgeNonces(before) {
      return (await pool.query('DELETE FROM nonces WHERE seen_at < $1', [before])).rowCount ?? 0;
    },
  };
}

type Plan =
  | { kind: 'stored'; row: StoredRow }
  | { kind: 'earlier'; index: number }
  | { kind: 'new'; index: number }
  | { kind: 'decided'; winner: Winner }
  /** An approval for a card an earlier new item of this batch decides (if that one is stored). */
  | { kind: 'claimedBy'; index: number };
type Fresh = { seq: number; item: NewItem; receipt: IssuedReceipt };
type Tx = pg.PoolClient;

const selectItems = async (c: Tx, tenant: string, keys: readonly string[]): Promise<Map<string, StoredRow>> => {
  if (keys.length === 0) return new Map();
  const r = await c.query<StoredRow & { idempotency_key: string }>(
    'SELECT idempotency_key, content_hash, receipt_json, receipt_sig FROM sync_items WHERE tenant = $1 AND idempotency_key = ANY($2::text[])',
    [tenant, keys],
  );
  return new Map(r.rows.map(({ idempotency_key, ...row }) => [idempotency_key, row]));
};
const selectClaims = async (c: Tx, tenant: string, cards: readonly string[]): Promise<Map<string, ClaimRow>> => {
  if (cards.length === 0) return new Map();
  const r = await c.query<ClaimRow & { card_id: string }>(
    'SELECT card_id, idempotency_key, device, user_id, server_seq, received_at FROM approval_claims WHERE tenant = $1 AND card_id = ANY($2::text[])',
    [tenant, cards],
  );
  return new Map(r.rows.map(({ card_id, ...row }) => [card_id, row]));
};
/** `n` new server_seq values in ascending order (one round trip). */
const nextSeqs = async (c: Tx, n: number): Promise<number[]> =>
  n === 0
    ? []
    : (await c.query<{ seq: string }>("SELECT nextval(pg_get_serial_sequence('sync_items', 'server_seq')) AS seq FROM generate_series(1, $1)", [n])).rows
        .map((r) => Number(r.seq))
        .sort((a, b) => a - b);

/**
 * Classify and number the items: what each will answer, and the new ones to store. One query for
 * the stored keys, one for the claimed cards, one for the new seqs (numbered in item order).
 */
async function planBatch(c: Tx, req: IngestRequest): Promise<{ plan: Plan[]; fresh: Fresh[] }> {
  const stored = await selectItems(c, req.tenant, [...new Set(req.items.map((it) => it.idempotencyKey))]);
  const cards = await selectClaims(c, req.tenant, [...new Set(req.items.flatMap((it) => (it.kind === 'approval' && it.subject ? [it.subject] : [])))]);
  const plan: Plan[] = [];
  const items: NewItem[] = [];
  const inBatch = new Map<string, number>();
  const claimedInBatch = new Map<string, number>();
  for (const it of req.items) {
    const earlier = inBatch.get(it.idempotencyKey);
    if (earlier !== undefined) {
      plan.push({ kind: 'earlier', index: earlier });
      continue;
    }
    const row = stored.get(it.idempotencyKey);
    if (row) {
      plan.push({ kind: 'stored', row });
      continue;
    }
    if (it.kind === 'approval' && it.subject) {
      const mate = claimedInBatch.get(it.subject);
      if (mate !== undefined) {
        plan.push({ kind: 'claimedBy', index: mate });
        continue;
      }
      const claim = cards.get(it.subject);
      if (claim && claim.idempotency_key !== it.idempotencyKey) {
        plan.push({ kind: 'decided', winner: winnerOf(claim) });
        continue;
      }
      claimedInBatch.set(it.subject, items.length);
    }
    inBatch.set(it.idempotencyKey, items.length);
    plan.push({ kind: 'new', index: items.length });
    items.push(it);
  }
  const seqs = await nextSeqs(c, items.length);
  return { plan, fresh: items.map((it, k) => ({ seq: seqs[k]!, item: it, receipt: req.receiptFor(it, seqs[k]!) })) };
}

// A concurrent batch may have stored the same key meanwhile: ON CONFLICT skips the insert
// (its seq stays unused) and the stored row decides. Likewise for the claim on a card: the
// claim is inserted first (waiting for a concurrent claimant's commit) and, if another
// approval holds it, this one is decided against and stores nothing.
// Deadlocks: an insert that meets a concurrent batch's uncommitted row of the same key waits for
// that batch. Two batches holding the same new keys in opposite orders would wait on each other,
// so every batch takes its locks in one global order: all card claims sorted by card, then all
// items sorted by key (one multi-row INSERT, its rows in key order). Audit and feed rows are still
// written in the batch's order.
async function insertFresh(
  { audit }: PostgresContext,
  c: Tx,
  req: IngestRequest,
  fresh: readonly Fresh[],
  sigs: readonly string[],
): Promise<{ won: (StoredRow | null)[]; lostClaim: (Winner | null)[]; feedRows: FeedInsert[] }> {
  const lostClaim = await claimCards(c, req, fresh);
  const byKey = [...fresh.keys()].filter((k) => !lostClaim[k]).sort((a, b) => compareText(fresh[a]!.item.idempotencyKey, fresh[b]!.item.idempotencyKey));
  const inserted = await insertRows(
    c,
    req,
    byKey.map((k) => ({ ...fresh[k]!, sig: sigs[k]! })),
  );
  const lost = byKey.filter((k) => !inserted.has(fresh[k]!.item.idempotencyKey));
  const winners = await selectItems(
    c,
    req.tenant,
    lost.map((k) => fresh[k]!.item.idempotencyKey),
  );
  const won: (StoredRow | null)[] = fresh.map(() => null);
  for (const k of lost) {
    const row = winners.get(fresh[k]!.item.idempotencyKey);
    if (!row) throw new Error('sync item conflict without a stored row');
    won[k] = row;
  }
  const feedRows: FeedInsert[] = [];
  for (const f of fresh) {
    if (!inserted.has(f.item.idempotencyKey)) continue;
    await audit(c, itemAudit(req.receivedAt, req.device, f.item, f.seq));
    const fr = itemFeedRow(req.device, f.item, f.seq);
    if (fr) feedRows.push(fr);
  }
  return { won, lostClaim, feedRows };
}

/** One INSERT for the rows (in the given order); the keys it stored (the others were there already). */
async function insertRows(c: Tx, req: IngestRequest, rows: readonly (Fresh & { sig: string })[]): Promise<Set<string>> {
  if (rows.length === 0) return new Set();
  const col = <T>(f: (r: Fresh & { sig: string }) => T): T[] => rows.map(f);
  const r = await c.query<{ idempotency_key: string }>(
    `INSERT INTO sync_items (server_seq, tenant, device, idempotency_key, contract, kind, created_at, key_version,
       ciphertext, iv, tag, content_hash, received_at, receipt_json, receipt_sig, key_scope, subject, to_device)
     SELECT x.seq, $1::text, $2::text, x.key, x.contract, x.kind, x.created_at, x.key_version,
       x.ciphertext, x.iv, x.tag, x.content_hash, $3::timestamptz, x.receipt_json, x.receipt_sig, x.key_scope, x.subject, x.to_device
     FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::integer[], $10::bytea[], $11::text[], $12::text[],
       $13::text[], $14::text[], $15::text[], $16::text[], $17::text[], $18::text[]) WITH ORDINALITY
       AS x(seq, key, contract, kind, created_at, key_version, ciphertext, iv, tag, content_hash, receipt_json, receipt_sig, key_scope, subject, to_device, n)
     ORDER BY x.n
     ON CONFLICT (tenant, idempotency_key) DO NOTHING
     RETURNING idempotency_key`,
    [
      req.tenant,
      req.device,
      req.receivedAt,
      col((f) => f.seq),
      col((f) => f.item.idempotencyKey),
      col((f) => f.item.contract),
      col((f) => f.item.kind),
      col((f) => f.item.createdAt),
      col((f) => f.item.keyVersion),
      col((f) => f.item.ciphertext),
      col((f) => f.item.iv),
      col((f) => f.item.tag),
      col((f) => f.item.contentHash),
      col((f) => f.receipt.json),
      col((f) => f.sig),
      col((f) => f.item.keyScope ?? null),
      col((f) => f.item.subject ?? null),
      col((f) => f.item.to ?? null),
    ],
  );
  return new Set(r.rows.map((x) => x.idempotency_key));
}

/** Code-point order, the same on every instance whatever its locale. */
const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Claims the cards the batch's new approvals decide, in card order; the winner where another approval holds one. */
async function claimCards(c: Tx, req: IngestRequest, fresh: readonly Fresh[]): Promise<(Winner | null)[]> {
  const lostClaim: (Winner | null)[] = fresh.map(() => null);
  const approvals = [...fresh.keys()].filter((k) => fresh[k]!.item.kind === 'approval' && fresh[k]!.item.subject);
  approvals.sort((a, b) => compareText(fresh[a]!.item.subject!, fresh[b]!.item.subject!));
  for (const k of approvals) {
    const { item: it, seq } = fresh[k]!;
    const claimed = await c.query(
      `INSERT INTO approval_claims (tenant, card_id, idempotency_key, device, user_id, server_seq, received_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (tenant, card_id) DO NOTHING`,
      [req.tenant, it.subject, it.idempotencyKey, req.device, req.user ?? '', seq, req.receivedAt],
    );
    if (claimed.rowCount === 1) continue;
    const claim = (await selectClaims(c, req.tenant, [it.subject!])).get(it.subject!);
    if (!claim) throw new Error('approval claim conflict without a stored claim');
    if (claim.idempotency_key !== it.idempotencyKey) lostClaim[k] = winnerOf(claim);
  }
  return lostClaim;
}

/** SQLSTATEs PostgreSQL asks the client to retry the transaction on (deadlock detected, serialization failure). */
const RETRYABLE = new Set(['40P01', '40001']);
const INGEST_ATTEMPTS = 3;

/** Runs the transaction again (from scratch) when PostgreSQL aborted it as a deadlock victim. */
async function withRetry<T>(run: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if (attempt >= INGEST_ATTEMPTS || typeof code !== 'string' || !RETRYABLE.has(code)) throw err;
    }
  }
}

/** The device's last sync and what it reported (pending, dead letters, contracts, levels, the day's snapshot). */
async function recordReport(c: Tx, req: IngestRequest): Promise<void> {
  await c.query('UPDATE devices SET last_sync_at = $1, app_version = $2 WHERE id = $3', [req.receivedAt, req.appVersion, req.device]);
  if (req.registry) {
    const st = req.registry.state;
    await c.query(
      `UPDATE devices SET pending_count = COALESCE($2, pending_count), dead_letter_count = COALESCE($3, dead_letter_count),
         contract_versions = COALESCE($4::jsonb, contract_versions), version_level = $5,
         risk_level = GREATEST($6::integer, CASE WHEN blocked_at IS NOT NULL THEN 3 ELSE 0 END, CASE WHEN update_required_at IS NOT NULL THEN 2 ELSE 0 END)
       WHERE id = $1`,
      [
        req.device,
        st?.pendingCount ?? null,
        st?.deadLetterCount ?? null,
        st ? JSON.stringify(st.contractVersions) : null,
        req.registry.versionLevel,
        req.registry.baseLevel,
      ],
    );
    await c.query(UPSERT_SNAPSHOT, snapshotArgs(req.registry.snapshot));
  }
}

function outcomesOf(
  req: IngestRequest,
  { plan, fresh }: { plan: readonly Plan[]; fresh: readonly Fresh[] },
  sigs: readonly string[],
  { won, lostClaim }: { won: readonly (StoredRow | null)[]; lostClaim: readonly (Winner | null)[] },
): IngestOutcome[] {
  // What is stored under the key of fresh[index] now: our row, or the one that won the race.
  const storedFor = (index: number) => {
    const lost = won[index];
    if (lost) return { contentHash: lost.content_hash, receipt: { json: lost.receipt_json, signature: lost.receipt_sig } };
    return { contentHash: fresh[index]!.item.contentHash, receipt: { json: fresh[index]!.receipt.json, signature: sigs[index]! } };
  };
  return plan.map((p, i): IngestOutcome => {
    const hash = req.items[i]!.contentHash;
    if (p.kind === 'stored')
      return classifyExisting({ contentHash: p.row.content_hash, receipt: { json: p.row.receipt_json, signature: p.row.receipt_sig } }, hash);
    if (p.kind === 'decided') return { status: 'decided', winner: p.winner };
    const decidedAgainst = lostClaim[p.index];
    if (decidedAgainst) return { status: 'decided', winner: decidedAgainst };
    if (p.kind === 'claimedBy') {
      const f = fresh[p.index]!;
      const lost = won[p.index];
      // The earlier approval is stored under its key (ours, or the same key from a concurrent batch).
      const rec = lost ? (JSON.parse(lost.receipt_json) as { device: string; serverSeq: number; receivedAt: string }) : null;
      return {
        status: 'decided',
        winner: rec
          ? { device: rec.device, user: req.user ?? '', serverSeq: rec.serverSeq, receivedAt: rec.receivedAt }
          : { device: req.device, user: req.user ?? '', serverSeq: f.seq, receivedAt: req.receivedAt },
      };
    }
    if (p.kind === 'new' && !won[p.index]) return { status: 'accepted', receipt: storedFor(p.index).receipt };
    return classifyExisting(storedFor(p.index), hash);
  });
}

function syncMethods2(ctx: PostgresContext): Pick<ServerStorage, 'ingestBatch'> {
  const { pool, feed, appendFeed } = ctx;
  return {
    ingestBatch: async (req) => {
      let fed = false;
      const outcomes = await withRetry(() =>
        withTx(pool, async (c) => {
          // Classify and number the items, sign every new receipt at once (worker threads), then
          // insert them signed.
          const batch = await planBatch(c, req);
          const sigs = await req.sign(batch.fresh.map((f) => f.receipt.signingBytes));
          const stored = await insertFresh(ctx, c, req, batch.fresh, sigs);
          await recordReport(c, req);
          // Last: the tenant's feed lock is held from here to commit only.
          await appendFeed(c, req.tenant, stored.feedRows, req.receivedAt);
          fed = stored.feedRows.length > 0;
          return outcomesOf(req, batch, sigs, stored);
        }),
      );
      if (fed) feed.notify(req.tenant);
      return outcomes;
    },
  };
}

function syncMethods3({ pool, audit }: PostgresContext): Pick<ServerStorage, 'lastServerSeq' | 'auditHashes' | 'advanceAnchor' | 'recordEquivocation'> {
  return {
    async lastServerSeq() {
      return Number((await pool.query<{ seq: number }>('SELECT COALESCE(MAX(server_seq), 0) AS seq FROM sync_items')).rows[0]?.seq ?? 0);
    },

    async auditHashes(device, from, to) {
      const r = await pool.query<{ seq: number; prev_hash: string; hash: string }>(
        'SELECT seq, prev_hash, hash FROM device_audit_hashes WHERE device = $1 AND seq BETWEEN $2 AND $3 ORDER BY seq',
        [device, from, to],
      );
      return r.rows.map((x) => ({ seq: x.seq, prevHash: x.prev_hash, hash: x.hash }));
    },

    advanceAnchor: (a) =>
      withTx(pool, async (c) => {
        const moved = await c.query(
          'UPDATE devices SET last_anchor_seq = $1, last_anchor_hash = $2, anchor_frontier = $6::jsonb WHERE id = $3 AND last_anchor_seq = $4 AND last_anchor_hash = $5',
          [a.head.seq, a.head.hash, a.device, a.expected.seq, a.expected.hash, JSON.stringify(a.frontier)],
        );
        if (moved.rowCount !== 1) return false;
        if (a.entries.length > 0) {
          // One statement for the whole range: an anchor can carry up to 100k entries.
          await c.query('INSERT INTO device_audit_hashes (device, seq, prev_hash, hash) SELECT $1, * FROM unnest($2::bigint[], $3::text[], $4::text[])', [
            a.device,
            a.entries.map((e) => e.seq),
            a.entries.map((e) => e.prevHash),
            a.entries.map((e) => e.hash),
          ]);
        }
        await audit(c, a.audit);
        return true;
      }),

    recordEquivocation: (e) =>
      withTx(pool, async (c) => {
        await c.query('UPDATE devices SET flagged_at = COALESCE(flagged_at, $1) WHERE id = $2', [e.detectedAt, e.device]);
        await c.query('INSERT INTO equivocations (device, seq, stored_hash, claimed_hash, detected_at, evidence) VALUES ($1, $2, $3, $4, $5, $6)', [
          e.device,
          e.seq,
          e.storedHash,
          e.claimedHash,
          e.detectedAt,
          JSON.stringify(e.evidence),
        ]);
        await audit(c, e.audit);
      }),
  };
}

export function postgresSyncMethods(ctx: PostgresContext) {
  return { ...syncMethods1(ctx), ...syncMethods2(ctx), ...syncMethods3(ctx) };
}
