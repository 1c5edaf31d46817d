// The memory tables (migration 008): items, float vectors and the full-text index. Prepared
// statements only; every value is bound.
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/connection';
import { sha256Hex } from '../../platform/audit/index';
import { canonicalJson } from '../../../shared/canonical';
import type { MemoryItem, MemoryTier } from '../../../shared/memory/types';
import type { VectorFilter } from './vector-index';

export interface ItemRow {
  seq: number;
  id: string;
  tier: MemoryTier;
  text: string;
  locale: string;
  lang: string;
  source_refs: string;
  created_at: string;
  expires_at: string | null;
  content_hash: string;
  embedding_model: string | null;
  run_id: string | null;
  bytes: number;
}

export type NewItemRow = Omit<ItemRow, 'seq'>;

/** SHA-256 (hex) of the canonical JSON of {tier, text, locale}. */
export function contentHash(tier: MemoryTier, text: string, locale: string): string {
  return sha256Hex(canonicalJson({ tier, text, locale }));
}

export function toItem(r: ItemRow): MemoryItem {
  return {
    id: r.id,
    tier: r.tier,
    text: r.text,
    locale: r.locale,
    sourceRefs: JSON.parse(r.source_refs) as string[],
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    contentHash: r.content_hash,
    embeddingModel: r.embedding_model,
    runId: r.run_id,
  };
}

/** Most term counts kept between writes (a query has a handful of terms; common ones repeat). */
const TERM_COUNTS_KEPT = 4_096;

/**
 * Items past the full-text index's `indexed_seq` (migration 021, decision 0044) that make it write
 * them together. FTS5 writes a segment at every commit that changed it; the tail spares one item a
 * transaction (add()) a segment each, and a full-text read first writes whatever is in the tail, so
 * search always sees every item.
 */
export const FTS_TAIL_MAX = 64;

export class MemoryStore {
  private readonly s: Record<string, Statement>;
  /** Writes through this store (insert, delete, pin, vectors): any write invalidates the read cache. */
  private writes = 0;
  /**
   * Search reads that only a write changes (capped term counts, the highest seq), valid while
   * `cacheKey` holds: this store's writes and SQLite's data_version (which moves when another
   * connection commits). Counting a common term walks up to ~2,000 postings per query term.
   */
  private readonly cache = new Map<string, number>();
  private cacheKey = '';
  /** readKey() when the full-text tail was last found empty (ftsCurrent). */
  private ftsCheckedAt = '';
  /**
   * Items per tier (the quota checks read one on every add), counted once and then kept up by this
   * store's writes — only inside a transaction it opened (transaction()), so a rollback can drop
   * them; a write outside one, a rolled-back transaction or another connection's commit (SQLite's
   * data_version) drops them and the next read counts again.
   */
  private readonly tierCounts = new Map<MemoryTier, number>();
  private tierCountsVersion = -1;
  private inOwnTransaction = false;

  constructor(readonly db: Db) {
    const filter = `(:tiers IS NULL OR m.tier IN (SELECT value FROM json_each(:tiers)))
      AND (:lang IS NULL OR m.lang = :lang)
      AND (:from IS NULL OR m.created_at >= :from)
      AND (:to IS NULL OR m.created_at <= :to)`;
    this.s = {
      byId: db.prepare('SELECT * FROM memory_items WHERE id = ?'),
      bySeq: db.prepare('SELECT * FROM memory_items WHERE seq = ?'),
      byHash: db.prepare('SELECT * FROM memory_items WHERE content_hash = ?'),
      insert: db.prepare(
        `INSERT INTO memory_items (id, tier, text, locale, lang, source_refs, created_at, expires_at, content_hash, embedding_model, run_id, bytes)
         VALUES (:id, :tier, :text, :locale, :lang, :source_refs, :created_at, :expires_at, :content_hash, :embedding_model, :run_id, :bytes)`,
      ),
      insertVec: db.prepare('INSERT INTO memory_vectors (seq, vec) VALUES (?, ?)'),
      upsertVec: db.prepare('INSERT INTO memory_vectors (seq, vec) VALUES (?, ?) ON CONFLICT(seq) DO UPDATE SET vec = excluded.vec'),
      setModel: db.prepare('UPDATE memory_items SET embedding_model = ? WHERE seq = ?'),
      vec: db.prepare('SELECT vec FROM memory_vectors WHERE seq = ?').pluck(),
      deleteVec: db.prepare('DELETE FROM memory_vectors WHERE seq = ?'),
      delete: db.prepare('DELETE FROM memory_items WHERE seq = ? RETURNING tier').pluck(),
      pin: db.prepare("UPDATE memory_items SET tier = 'core', content_hash = ?, expires_at = NULL WHERE seq = ?"),
      countTier: db.prepare('SELECT count(*) FROM memory_items WHERE tier = ?').pluck(),
      oldest: db.prepare('SELECT * FROM memory_items WHERE tier = ? ORDER BY created_at, seq LIMIT ?'),
      expired: db.prepare('SELECT * FROM memory_items WHERE expires_at IS NOT NULL AND expires_at <= ? ORDER BY expires_at LIMIT ?'),
      hydrate: db.prepare('SELECT * FROM memory_items WHERE seq IN (SELECT value FROM json_each(?))'),
      // Kept by triggers (migration 020): five rows, not a walk of every item.
      stats: db.prepare('SELECT tier, count, bytes FROM memory_tier_stats WHERE count > 0'),
      core: db.prepare("SELECT * FROM memory_items WHERE tier = 'core' ORDER BY created_at, seq"),
      stale: db.prepare('SELECT * FROM memory_items WHERE (embedding_model IS NULL OR embedding_model <> ?) AND seq > ? ORDER BY seq LIMIT ?'),
      maxSeq: db.prepare('SELECT coalesce(max(seq), 0) FROM memory_items').pluck(),
      dataVersion: db.prepare('PRAGMA data_version').pluck(),
      termCount: db.prepare('SELECT count(*) FROM (SELECT 1 FROM memory_fts WHERE memory_fts MATCH ? LIMIT ?)').pluck(),
      // Filtered, over every match: ordered by the rank column, which FTS5 sorts itself (28 % faster
      // at p95 than bm25() here, measured on the bench's 100k store).
      fts: db
        .prepare(
          `SELECT memory_fts.rowid FROM memory_fts JOIN memory_items m ON m.seq = memory_fts.rowid
           WHERE memory_fts MATCH :match AND ${filter}
           ORDER BY memory_fts.rank LIMIT :limit`,
        )
        .pluck(),
      // Filtered, in a rowid window (common words only): bm25(), not the rank column (the same
      // score: no custom rank is configured). FTS5 sorts by rank in a mode that reads every match
      // first, ignoring the rowid window: 4x slower for common words at a year's 200,000 items
      // (85 ms against 22 ms).
      ftsWindow: db
        .prepare(
          `SELECT memory_fts.rowid FROM memory_fts JOIN memory_items m ON m.seq = memory_fts.rowid
           WHERE memory_fts MATCH :match AND memory_fts.rowid >= :minSeq AND ${filter}
           ORDER BY bm25(memory_fts) LIMIT :limit`,
        )
        .pluck(),
      ftsAll: db.prepare('SELECT rowid FROM memory_fts WHERE memory_fts MATCH :match AND rowid >= :minSeq ORDER BY bm25(memory_fts) LIMIT :limit').pluck(),
      ftsTail: db.prepare('SELECT count(*) FROM memory_items WHERE seq > (SELECT indexed_seq FROM memory_fts_state)').pluck(),
      ftsWrite: db.prepare(
        'INSERT INTO memory_fts (rowid, text) SELECT seq, text FROM memory_items WHERE seq > (SELECT indexed_seq FROM memory_fts_state) ORDER BY seq',
      ),
      ftsMark: db.prepare('UPDATE memory_fts_state SET indexed_seq = (SELECT max(seq) FROM memory_items)'),
    };
  }

  byId(id: string): ItemRow | undefined {
    return this.s.byId!.get(id) as ItemRow | undefined;
  }

  bySeq(seq: number): ItemRow | undefined {
    return this.s.bySeq!.get(seq) as ItemRow | undefined;
  }

  byHash(hash: string): ItemRow | undefined {
    return this.s.byHash!.get(hash) as ItemRow | undefined;
  }

  /**
   * Run `fn` in a transaction (a savepoint when one is open). The memory service's writes go through
   * here: the per-tier counts follow writes made inside and are dropped when `fn` throws.
   */
  transaction<T>(fn: () => T): T {
    const outermost = !this.db.inTransaction;
    if (outermost) this.inOwnTransaction = true;
    try {
      return this.db.transaction(fn)();
    } catch (err) {
      this.tierCounts.clear();
      throw err;
    } finally {
      if (outermost) this.inOwnTransaction = false;
    }
  }

  /** Insert an item (and its vector); returns its seq. In the caller's transaction. */
  insert(row: NewItemRow, vec: Buffer | null): number {
    this.writes++;
    const seq = Number(this.s.insert!.run(row).lastInsertRowid);
    if (vec) this.s.insertVec!.run(seq, vec);
    this.counted(row.tier, 1);
    // At or below indexed_seq the trigger indexed it already (the tail is unchanged); above, it joins the tail.
    if ((this.s.ftsTail!.get() as number) >= FTS_TAIL_MAX) this.writeFtsTail();
    return seq;
  }

  /** Write the tail (decision 0044) to the full-text index and move indexed_seq past it. In the caller's transaction. */
  private writeFtsTail(): void {
    this.writes++;
    this.s.ftsWrite!.run();
    this.s.ftsMark!.run();
  }

  /**
   * Before a full-text read: write the tail, if any, in its own transaction (a savepoint inside
   * one). Checked again only after a write (this store's, or another connection's commit).
   */
  private ftsCurrent(): void {
    if (this.ftsCheckedAt === this.readKey()) return;
    if ((this.s.ftsTail!.get() as number) > 0) this.transaction(() => this.writeFtsTail());
    this.ftsCheckedAt = this.readKey();
  }

  /**
   * Moves whenever an item may have been inserted since (this store's writes, another connection's
   * commit): equal marks mean no content hash has appeared in between, so a hash found absent is
   * still absent (add() spares its second lookup).
   */
  insertMark(): string {
    return this.readKey();
  }

  private readKey(): string {
    return `${this.writes}:${this.s.dataVersion!.get() as number}`;
  }

  setVector(seq: number, vec: Buffer, model: string): void {
    this.writes++;
    this.s.upsertVec!.run(seq, vec);
    this.s.setModel!.run(model, seq);
  }

  vector(seq: number): Buffer | undefined {
    return this.s.vec!.get(seq) as Buffer | undefined;
  }

  delete(seq: number): void {
    this.writes++;
    this.s.deleteVec!.run(seq);
    const tier = this.s.delete!.get(seq) as MemoryTier | undefined;
    if (tier) this.counted(tier, -1);
  }

  pin(seq: number, hash: string): void {
    this.writes++;
    this.s.pin!.run(hash, seq);
    // Rare: count the tiers again rather than read the item's old tier here.
    this.tierCounts.clear();
  }

  /** Items in a tier: counted once, then kept up by writes (see `tierCounts`). */
  countTier(tier: MemoryTier): number {
    const version = this.s.dataVersion!.get() as number;
    if (version !== this.tierCountsVersion) {
      this.tierCounts.clear();
      this.tierCountsVersion = version;
    }
    let n = this.tierCounts.get(tier);
    if (n === undefined) {
      n = this.s.countTier!.get(tier) as number;
      this.tierCounts.set(tier, n);
    }
    return n;
  }

  /** Keep a tier's count up after a write (see `tierCounts`). */
  private counted(tier: MemoryTier, delta: number): void {
    if (!this.inOwnTransaction) this.tierCounts.clear();
    else {
      const n = this.tierCounts.get(tier);
      if (n !== undefined) this.tierCounts.set(tier, n + delta);
    }
  }

  oldest(tier: MemoryTier, n: number): ItemRow[] {
    return n > 0 ? (this.s.oldest!.all(tier, n) as ItemRow[]) : [];
  }

  expired(nowIso: string, limit: number): ItemRow[] {
    return this.s.expired!.all(nowIso, limit) as ItemRow[];
  }

  hydrate(seqs: readonly number[]): ItemRow[] {
    return seqs.length ? (this.s.hydrate!.all(JSON.stringify(seqs)) as ItemRow[]) : [];
  }

  stats(): { tier: MemoryTier; count: number; bytes: number }[] {
    return this.s.stats!.all() as { tier: MemoryTier; count: number; bytes: number }[];
  }

  core(): ItemRow[] {
    return this.s.core!.all() as ItemRow[];
  }

  /** Items not embedded by `model` (or not at all), after `afterSeq`, in seq order. */
  stale(model: string, afterSeq: number, limit: number): ItemRow[] {
    return this.s.stale!.all(model, afterSeq, limit) as ItemRow[];
  }

  maxSeq(): number {
    return this.cached('\u0000max', () => this.s.maxSeq!.get() as number);
  }

  /** Documents matching one MATCH expression, counting at most `cap`. */
  termCount(match: string, cap: number): number {
    this.ftsCurrent();
    return this.cached(`${cap}\u0000${match}`, () => this.s.termCount!.get(match, cap) as number);
  }

  /** A read from the cache (see `cache`), else from the database and kept. */
  private cached(key: string, read: () => number): number {
    const now = this.readKey();
    if (now !== this.cacheKey || this.cache.size >= TERM_COUNTS_KEPT) {
      this.cache.clear();
      this.cacheKey = now;
    }
    let v = this.cache.get(key);
    if (v === undefined) {
      v = read();
      this.cache.set(key, v);
    }
    return v;
  }

  /** Seqs by BM25 (best first), filtered; only seqs ≥ minSeq. */
  fts(match: string, limit: number, f: VectorFilter, minSeq = 0): number[] {
    this.ftsCurrent();
    // No filter: no join with memory_items (a row lookup per match before the sort).
    if (!f.tiers && f.lang == null && f.from == null && f.to == null) return this.s.ftsAll!.all({ match, limit, minSeq }) as number[];
    const params = { match, limit, tiers: f.tiers ? JSON.stringify(f.tiers) : null, lang: f.lang, from: f.from, to: f.to };
    return (minSeq > 0 ? this.s.ftsWindow!.all({ ...params, minSeq }) : this.s.fts!.all(params)) as number[];
  }
}
