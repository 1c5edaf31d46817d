// Vector search over memory items: binary-quantised vectors (one bit per dimension, 48 bytes for 384
// dimensions) find candidates by Hamming distance, and the exact cosine of their float vectors
// (memory_vectors) ranks them.
//
// The codes are stored in sqlite-vec vec0 tables, one per (embedding model, dimension), created
// lazily: vec0 needs the extension, which migrations run without, and a new model means new vectors
// anyway. Its rowid is memory_items.seq; tier, locale and creation time are stored beside each code.
// vec0 is where the codes persist; the scan runs over a copy of them in memory (binary-codes.ts: a
// WebAssembly SIMD kernel, ~0.5 ms per 100k codes where vec0's own scan took ~7 ms), read at the first
// search from the same items and float vectors flush() writes to vec0, and kept up by every write
// (decision 0045).
// Items added since the last flush (the tail, at most TAIL_MAX) are searched exactly and merged
// (see VectorIndex; decision 0032).
//
// KNN in two passes over one scan's distances:
//  1. the k nearest by Hamming distance, re-ranked by float cosine: s_k is the k-th similarity;
//  2. every item within Hamming radius t of the query (the nearest k × oversample at most),
//     re-ranked with the first pass. For unit vectors a sign bit differs with probability ≈ θ/π
//     (θ the angle; exact for random hyperplanes), so an item at least as similar as s_k lies within
//     t = D·p + z·√(D·p(1−p)), p = acos(s_k)/π, with probability ≈ Φ(z) per item.
// Re-ranking reads the candidates' float vectors by primary key, in seq order (neighbouring pages).
// The radius is capped 2σ below the distance of unrelated vectors (D/2): when even the best matches
// are near chance the vector list is approximate, and the cap bounds the re-ranking. Below
// `exactBelow` vectors (and without the extension) search is exact: float cosine over every vector.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/connection';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { langCode } from './ranking';
import { BinaryCodes, type CodeFilter } from './binary-codes';

export interface VectorFilter {
  tiers: readonly MemoryTier[] | null;
  /** Primary language subtag (`sv`). */
  lang: string | null;
  /** ISO times bounding createdAt (inclusive). */
  from: string | null;
  to: string | null;
}

export const NO_FILTER: VectorFilter = { tiers: null, lang: null, from: null, to: null };

export interface VectorTuning {
  /** Most candidates the binary pass hands to re-ranking, as a multiple of k. */
  oversample: number;
  /** Radius margin in standard deviations of the Hamming distance. */
  radiusZ: number;
  /** Below this many vectors in the index, search is exact. */
  exactBelow: number;
}

/**
 * Tuned on 100k and 1M clustered 384-d unit vectors (bench/memory.bench.ts): recall@10 1.0 against
 * exact KNN already at z = 1.5; z = 2 leaves a margin for less clustered data at ~1 ms more.
 */
export const DEFAULT_TUNING: VectorTuning = { oversample: 20, radiusZ: 2, exactBelow: 10_000 };

const COUNT_TTL_MS = 30_000;
/** Candidates re-ranked per statement in the second pass (see indexed()). */
const RERANK_CHUNK = 64;
/** Dirty seqs above which (and above 5 % of the codes) the codes are read again whole, not row by row. */
const RELOAD_DIRTY_MIN = 2_000;

/** The most hits one search returns (sqlite-vec's ceiling on k, kept when the scan left vec0). */
const VEC_K_MAX = 4096;

export interface VectorHit {
  seq: number;
  /** Cosine similarity of the float vectors. */
  similarity: number;
}

export interface IndexInfo {
  name: string;
  model: string;
  dimension: number;
  /** Every item of the model with seq ≤ this is in vec0; later ones are the tail (see VectorIndex). */
  indexed_seq: number;
}

interface CodeLoad {
  gen: number;
  version: number;
  codes: BinaryCodes;
  /** The last seq read. */
  after: number;
}

/** Items a tail holds before they are written to vec0 together (see VectorIndex). */
export const TAIL_MAX = 128;
/** Items (with their vectors) read per statement by a flush and per slice by a read of the codes (~10 ms here). */
const ITEM_BATCH = 1_000;

/** An item of the index's model with its vector, as flush() and the read of the codes take it. */
type ItemVecRow = [seq: number, tier: MemoryTier, lang: string, createdAt: string, vec: Buffer];

const tierNo = (t: MemoryTier): bigint => BigInt(MEMORY_TIERS.indexOf(t));

export function vecBuffer(v: Float32Array): Buffer {
  return Buffer.from(v.buffer, v.byteOffset, v.byteLength);
}

/** Float32 view of a stored vector (copied when the blob is not 4-byte aligned). */
export function vecOf(b: Buffer): Float32Array {
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(new Uint8Array(b).buffer);
}

function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}

const bySimilarity = (a: VectorHit, b: VectorHit) => b.similarity - a.similarity || b.seq - a.seq;

/** The Hamming radius that holds an item of similarity `s` with probability ≈ Φ(z), capped (see above). */
export function hammingRadius(s: number, dim: number, z: number): number {
  const p = Math.acos(Math.max(-1, Math.min(1, s))) / Math.PI;
  const t = Math.ceil(dim * p + z * Math.sqrt(dim * p * (1 - p)));
  const cap = Math.floor(dim / 2 - Math.sqrt(dim));
  return Math.max(0, Math.min(t, cap));
}

function appendItem(codes: BinaryCodes, [seq, tier, lang, createdAt, vec]: ItemVecRow): void {
  codes.appendVector(seq, MEMORY_TIERS.indexOf(tier), langCode(lang), Date.parse(createdAt), vecOf(vec));
}

/** Exact float search over memory_vectors (the reference, and the path for small indexes). */
class ExactScan {
  /** vec_distance_cosine in SQL (with sqlite-vec), else null and the scan is in JS. */
  private readonly sql: Statement | null;
  private readonly js: Statement;

  constructor(db: Db, vecLoaded: boolean) {
    const where = `m.embedding_model = :model AND m.seq > :after
      AND (:tiers IS NULL OR m.tier IN (SELECT value FROM json_each(:tiers)))
      AND (:lang IS NULL OR m.lang = :lang)
      AND (:from IS NULL OR m.created_at >= :from)
      AND (:to IS NULL OR m.created_at <= :to)`;
    this.sql = vecLoaded
      ? db
          .prepare(
            `SELECT v.seq, vec_distance_cosine(v.vec, :q) AS d FROM memory_items m JOIN memory_vectors v ON v.seq = m.seq WHERE ${where} ORDER BY d, v.seq DESC LIMIT :k`,
          )
          .raw(true)
      : null;
    this.js = db.prepare(`SELECT v.seq, v.vec FROM memory_items m JOIN memory_vectors v ON v.seq = m.seq WHERE ${where}`).raw(true);
  }

  /** The k nearest of the model's items (only those with seq > `after`: an index's tail). */
  knn(model: string, q: Float32Array, k: number, f: VectorFilter, after = 0): VectorHit[] {
    const params = { model, after, tiers: f.tiers ? JSON.stringify(f.tiers) : null, lang: f.lang, from: f.from, to: f.to };
    if (this.sql) {
      const rows = this.sql.all({ ...params, q: vecBuffer(q), k }) as [number, number][];
      return rows.map(([seq, d]) => ({ seq, similarity: 1 - d }));
    }
    const top: VectorHit[] = [];
    for (const [seq, vec] of this.js.iterate(params) as IterableIterator<[number, Buffer]>) {
      const similarity = cosine(q, vecOf(vec));
      if (top.length < k) {
        top.push({ seq, similarity });
        if (top.length === k) top.sort(bySimilarity);
      } else if (similarity > top[k - 1]!.similarity) {
        top[k - 1] = { seq, similarity };
        top.sort(bySimilarity);
      }
    }
    return top.sort(bySimilarity);
  }
}

/**
 * One vec0 index. Writes behind: an item added after `indexed_seq` is not written to vec0 at once but
 * joins the tail, which search scans exactly (float cosine over at most TAIL_MAX vectors, ~0.2 ms), and
 * the tail is written to vec0 in one go when it is full (or at the end of an import). A vec0 insert
 * rewrites its chunk's vector, rowid, validity and metadata blobs: 8 pages (~32 KB of WAL) and ~180 µs
 * alone in a transaction, against ~17 µs and a share of those pages when written together.
 */
export class VectorIndex {
  private readonly insertStmt: Statement;
  private readonly deleteStmt: Statement;
  private readonly rerankStmt: Statement;
  private readonly countStmt: Statement;
  private readonly versionStmt: Statement;
  /** The read of the codes under way (see ready()). */
  private loading: Promise<void> | null = null;
  private loadGen = 0;
  /** vec0's codes in memory (see codes()); null until the first search. */
  private mirror: BinaryCodes | null = null;
  private mirrorVersion = 0;
  /** Seqs whose vec0 row was removed or rewritten since the codes were read or reconciled (see codes()). */
  private readonly dirty = new Set<number>();
  private readonly rowStmt: Statement;
  private count: number | null = null;
  private countedAt = 0;
  private indexedSeq: number;
  /** Items in the tail; null: not counted since this object was made. */
  private tail: number | null = null;
  private readonly tailStmt: Statement;
  private readonly itemsStmt: Statement;
  private readonly markStmt: Statement;

  constructor(
    private readonly db: Db,
    readonly info: IndexInfo,
    private readonly exactScan: ExactScan,
  ) {
    if (!/^memory_vec_[0-9a-f]{16}$/.test(info.name)) throw new Error(`bad vector index name ${info.name}`);
    this.indexedSeq = info.indexed_seq;
    this.tailStmt = db.prepare('SELECT count(*) FROM memory_items WHERE embedding_model = ? AND seq > ?').pluck();
    this.itemsStmt = db
      .prepare(
        `SELECT m.seq, m.tier, m.lang, m.created_at, v.vec FROM memory_items m JOIN memory_vectors v ON v.seq = m.seq
         WHERE m.embedding_model = ? AND m.seq > ? AND m.seq <= ? AND length(v.vec) = ? ORDER BY m.seq LIMIT ${ITEM_BATCH}`,
      )
      .raw(true);
    this.markStmt = db.prepare('UPDATE memory_vector_indexes SET indexed_seq = ? WHERE name = ?');
    this.insertStmt = db.prepare(`INSERT INTO ${info.name} (rowid, tier, embedding, lang, created) VALUES (?, ?, vec_quantize_binary(?), ?, ?)`);
    this.deleteStmt = db.prepare(`DELETE FROM ${info.name} WHERE rowid = ?`);
    // CROSS JOIN: from each candidate to its vector by primary key, in the candidates' (seq) order.
    this.rerankStmt = db
      .prepare('SELECT v.seq, vec_distance_cosine(v.vec, ?) FROM json_each(?) c CROSS JOIN memory_vectors v ON v.seq = c.value WHERE length(v.vec) = ?')
      .raw(true);
    this.rowStmt = db.prepare(`SELECT rowid, tier, embedding, lang, created FROM ${info.name} WHERE rowid = ?`).raw(true).safeIntegers(false);
    this.versionStmt = db.prepare('PRAGMA data_version').pluck();
    this.countStmt = db.prepare('SELECT count(*) FROM memory_items WHERE embedding_model = ?').pluck();
  }

  /** In the caller's transaction. `vec` is the float32 blob also stored in memory_vectors. */
  insert(seq: number, tier: MemoryTier, lang: string, createdAt: string, vec: Buffer): void {
    if (seq > this.indexedSeq) {
      // The tail: memory_items and memory_vectors hold it already (the caller wrote them).
      this.tail = (this.tail ?? (this.tailStmt.get(this.info.model, this.indexedSeq) as number) - 1) + 1;
      if (this.count !== null) this.count++;
      if (this.tail >= TAIL_MAX) this.flush();
      return;
    }
    this.write(seq, tier, lang, createdAt, vec);
    this.dirty.add(seq);
  }

  /** Write the tail to vec0 (in the caller's transaction) and move `indexed_seq` past it. */
  flush(): void {
    for (;;) {
      const rows = this.items(this.indexedSeq, Number.MAX_SAFE_INTEGER);
      for (const row of rows) {
        this.write(...row);
        // New seqs (above every code in memory): appended now. A rolled-back flush leaves
        // indexed_seq behind this object's, and VectorIndexes.get() then makes a new index object.
        if (this.mirror) appendItem(this.mirror, row);
      }
      if (rows.length > 0) {
        this.indexedSeq = rows[rows.length - 1]![0];
        this.markStmt.run(this.indexedSeq, this.info.name);
        this.info.indexed_seq = this.indexedSeq;
      }
      if (rows.length < ITEM_BATCH) break;
    }
    this.tail = 0;
  }

  /** One row into vec0. */
  private write(seq: number, tier: MemoryTier, lang: string, createdAt: string, vec: Buffer): void {
    this.insertStmt.run(BigInt(seq), tierNo(tier), vec, BigInt(langCode(lang)), BigInt(Date.parse(createdAt)));
    if (this.count !== null && seq <= this.indexedSeq) this.count++;
  }

  remove(seq: number): void {
    const n = this.deleteStmt.run(BigInt(seq)).changes;
    if (this.count !== null) this.count -= n;
    this.dirty.add(seq);
  }

  /**
   * Vectors in the index, to choose exact search. Counted at most every COUNT_TTL_MS and kept up by
   * insert/remove in between (a rolled-back write can skew it until the next count: a heuristic).
   */
  size(): number {
    const now = performance.now();
    if (this.count === null || now - this.countedAt > COUNT_TTL_MS) {
      this.count = this.countStmt.get(this.info.model) as number;
      this.countedAt = now;
    }
    return this.count;
  }

  exact(q: Float32Array, k: number, f: VectorFilter = NO_FILTER): VectorHit[] {
    return this.exactScan.knn(this.info.model, q, k, f);
  }

  /** The k nearest items by cosine (see the file comment); exact below `exactBelow` vectors. */
  knn(q: Float32Array, k: number, f: VectorFilter = NO_FILTER, t: VectorTuning = DEFAULT_TUNING): VectorHit[] {
    if (q.length !== this.info.dimension) throw new Error(`query has ${q.length} dimensions, the index ${this.info.dimension}`);
    if (k < 1) return [];
    if (this.size() < t.exactBelow) return this.exact(q, k, f);
    const codes = this.codes();
    // Inside an open transaction that changed the index, the codes in memory may not hold those
    // changes yet (they are read when it has ended): search exactly. Never the case for search(),
    // which awaits the embedder first, so no write transaction can be open around it.
    if (codes === null) return this.exact(q, k, f);
    const hits = this.indexed(codes, q, k, f, t);
    this.tail ??= this.tailStmt.get(this.info.model, this.indexedSeq) as number;
    if (this.tail === 0) return hits;
    const kk = Math.min(k, VEC_K_MAX);
    return hits
      .concat(this.exactScan.knn(this.info.model, q, kk, f, this.indexedSeq))
      .sort(bySimilarity)
      .slice(0, kk);
  }

  /** KNN over the items in vec0 (the tail aside): the two passes of the file comment over the in-memory codes. */
  private indexed(codes: BinaryCodes, q: Float32Array, k: number, f: VectorFilter, t: VectorTuning): VectorHit[] {
    const kk = Math.min(k, VEC_K_MAX);
    const cap = Math.max(kk, Math.ceil(kk * t.oversample));
    // The second pass takes the nearest within the radius, at most `cap`: a prefix of the `cap`
    // nearest, which is all the scan needs to hand over (the first pass is their first kk).
    const near = codes.scan(q, this.codeFilter(f)).nearest(cap);
    const qb = vecBuffer(q);
    // No more items pass the filters than the second pass may re-rank: re-rank them all (exact).
    if (near.seqs.length < cap) return this.rerank(qb, near.seqs).slice(0, kk);
    const first = near.seqs.slice(0, kk);
    const hits = this.rerank(qb, first);
    if (hits.length < kk) return hits;
    // Nearest first, RERANK_CHUNK at a time: each chunk can raise s_k, and a higher s_k (still at
    // most the true one) means a smaller radius that still bounds the true one, so the walk stops
    // at the first candidate beyond the radius the hits so far imply.
    let top = hits.slice(0, kk);
    let r = hammingRadius(top[kk - 1]!.similarity, this.info.dimension, t.radiusZ);
    let i = kk;
    while (i < near.seqs.length && near.dist[i]! <= r) {
      const chunk: number[] = [];
      while (chunk.length < RERANK_CHUNK && i < near.seqs.length && near.dist[i]! <= r) chunk.push(near.seqs[i++]!);
      top = top.concat(this.rerank(qb, chunk)).sort(bySimilarity).slice(0, kk);
      r = Math.min(r, hammingRadius(top[kk - 1]!.similarity, this.info.dimension, t.radiusZ));
    }
    return top;
  }

  private codeFilter(f: VectorFilter): CodeFilter {
    let tiers: Uint8Array | null = null;
    if (f.tiers) {
      tiers = new Uint8Array(MEMORY_TIERS.length);
      for (const x of f.tiers) tiers[MEMORY_TIERS.indexOf(x)] = 1;
    }
    return {
      tiers,
      lang: f.lang !== null ? langCode(f.lang) : null,
      from: f.from !== null ? Date.parse(f.from) : null,
      to: f.to !== null ? Date.parse(f.to) : null,
    };
  }

  /**
   * Make sure the codes in memory are current without blocking the thread for long: a read of them
   * (the first search, or after another connection's commit or many changes) goes ITEM_BATCH items
   * at a time, yielding to the event loop between slices (~10 µs an item here: 200,000 items ~2 s,
   * which would otherwise freeze the app). Concurrent callers share one read. search() calls this
   * right before knn(), with nothing awaited in between.
   */
  async ready(t: VectorTuning = DEFAULT_TUNING): Promise<void> {
    while (this.size() >= t.exactBelow && this.stale()) {
      this.loading ??= this.loadSliced().finally(() => {
        this.loading = null;
      });
      await this.loading;
    }
  }

  /** Whether the codes in memory must be read again (not merely brought up to date, see codes()). */
  private stale(): boolean {
    const m = this.mirror;
    return m === null || (this.versionStmt.get() as number) !== this.mirrorVersion || this.dirty.size > Math.max(RELOAD_DIRTY_MIN, m.size / 20);
  }

  private async loadSliced(): Promise<void> {
    const l = this.beginLoad();
    while (!this.loadSlice(l)) await new Promise<void>((resolve) => setImmediate(resolve));
    this.finishLoad(l);
  }

  /**
   * A read of the codes: the sign bits of the float vectors of the items in vec0 (this model's items
   * up to indexed_seq with a vector of this dimension: what flush() writes there), with their tier,
   * locale and creation time, in seq order. Changes made while it runs are in `dirty`, or are
   * flushes past what it has read, which later slices read (the bound is read for each slice). Only
   * the latest read started is kept (a read at once in codes() can overtake a sliced one).
   */
  private beginLoad(): CodeLoad {
    this.dirty.clear();
    return { gen: ++this.loadGen, version: this.versionStmt.get() as number, codes: new BinaryCodes(this.info.dimension), after: 0 };
  }

  /** Up to ITEM_BATCH items of the model with a vector of this dimension, seq in (after, upTo], in seq order. */
  private items(after: number, upTo: number): ItemVecRow[] {
    return this.itemsStmt.all(this.info.model, after, upTo, this.info.dimension * 4) as ItemVecRow[];
  }

  /** One slice; true when it was the last. */
  private loadSlice(l: CodeLoad): boolean {
    const rows = this.items(l.after, this.indexedSeq);
    for (const row of rows) appendItem(l.codes, row);
    if (rows.length < ITEM_BATCH) return true;
    l.after = rows[rows.length - 1]![0];
    return false;
  }

  private finishLoad(l: CodeLoad): void {
    if (l.gen !== this.loadGen) return;
    this.mirror = l.codes;
    this.mirrorVersion = l.version;
  }

  /**
   * The codes of vec0 in memory (binary-codes.ts), or null inside an open transaction that changed
   * the index since they were last brought up to date. Read by ready() (or here, at once, for a
   * caller that did not await it), again when another connection has committed (data_version moved:
   * it may have written vec0) or when many rows changed. A flush appends its new codes at once (see
   * flush()); a remove, or a write below indexed_seq (a pin, a re-embedding), only marks its seq
   * dirty, and the next search outside a transaction drops that seq's codes and reads its row back
   * from vec0: what was committed, whether the change was or was rolled back.
   */
  private codes(): BinaryCodes | null {
    if (this.stale()) {
      if (this.db.inTransaction && this.dirty.size > 0) return null;
      const l = this.beginLoad();
      while (!this.loadSlice(l));
      this.finishLoad(l);
    }
    const m = this.mirror!;
    if (this.dirty.size > 0) {
      if (this.db.inTransaction) return null;
      m.drop(this.dirty);
      for (const seq of this.dirty) {
        const row = this.rowStmt.get(seq) as [number, number, Buffer, number, number] | undefined;
        if (row) m.appendCode(row[0], row[1], row[3], row[4], row[2]);
      }
      this.dirty.clear();
    }
    return m;
  }

  /** Cosine of each candidate (by its float vector). */
  private rerank(qb: Buffer, seqs: number[]): VectorHit[] {
    if (seqs.length === 0) return [];
    const sorted = Float64Array.from(seqs).sort();
    const rows = this.rerankStmt.all(qb, JSON.stringify(Array.from(sorted)), this.info.dimension * 4) as [number, number][];
    return rows.map(([seq, d]) => ({ seq, similarity: 1 - d })).sort(bySimilarity);
  }
}

/** The registry of vec0 indexes (memory_vector_indexes) and the exact fallback. */
export class VectorIndexes {
  private readonly byName = new Map<string, VectorIndex>();
  private readonly exactScan: ExactScan;
  private readonly getStmt: Statement;
  private readonly insertStmt: Statement;
  private readonly dimsStmt: Statement;

  constructor(
    private readonly db: Db,
    /** Whether sqlite-vec is loaded on this connection. */
    readonly vecLoaded: boolean,
  ) {
    this.exactScan = new ExactScan(db, vecLoaded);
    this.getStmt = db.prepare('SELECT name, model, dimension, indexed_seq FROM memory_vector_indexes WHERE model = ? AND dimension = ?');
    this.insertStmt = db.prepare('INSERT INTO memory_vector_indexes (name, model, dimension, created_at) VALUES (?, ?, ?, ?)');
    this.dimsStmt = db.prepare('SELECT dimension FROM memory_vector_indexes WHERE model = ?').pluck();
  }

  static nameOf(model: string, dimension: number): string {
    return 'memory_vec_' + createHash('sha256').update(`${model}\u0000${dimension}`).digest('hex').slice(0, 16);
  }

  /**
   * The index of a model, or null when none exists yet (or sqlite-vec is not loaded). The registry
   * is read every time: an index created in a transaction that rolled back is gone with its row, and
   * one whose tail flush rolled back (indexed_seq behind the object's) is read afresh.
   */
  get(model: string, dimension: number): VectorIndex | null {
    if (!this.vecLoaded) return null;
    const row = this.getStmt.get(model, dimension) as IndexInfo | undefined;
    if (!row) return null;
    const cached = this.byName.get(row.name);
    if (cached && cached.info.indexed_seq === row.indexed_seq) return cached;
    const idx = new VectorIndex(this.db, row, this.exactScan);
    this.byName.set(row.name, idx);
    return idx;
  }

  /** Every index of a model (one per dimension it was used with). */
  forModel(model: string): VectorIndex[] {
    if (!this.vecLoaded) return [];
    const dims = this.dimsStmt.all(model) as number[];
    return dims.map((d) => this.get(model, d)).filter((x): x is VectorIndex => x !== null);
  }

  /**
   * The index of a model, created (in the caller's transaction) when absent and back-filled from the
   * float vectors already stored for that model. null without sqlite-vec.
   */
  ensure(model: string, dimension: number, nowIso: string): VectorIndex | null {
    if (!this.vecLoaded) return null;
    const found = this.get(model, dimension);
    if (found) return found;
    if (!Number.isInteger(dimension) || dimension < 8 || dimension % 8 !== 0 || dimension > 8192) {
      throw new Error(`embedding dimension ${dimension} cannot be bit-quantised (a multiple of 8 up to 8192 is needed)`);
    }
    const name = VectorIndexes.nameOf(model, dimension);
    this.db.exec(
      `CREATE VIRTUAL TABLE IF NOT EXISTS ${name} USING vec0(tier integer partition key, embedding bit[${dimension | 0}], lang integer, created integer)`,
    );
    this.insertStmt.run(name, model, dimension, nowIso);
    const idx = this.get(model, dimension)!;
    // A new index starts at indexed_seq 0: the back-fill is a flush of everything stored.
    idx.flush();
    return idx;
  }

  /** Exact search for a model, whether or not it has an index (also the path without sqlite-vec). */
  exact(model: string, q: Float32Array, k: number, f: VectorFilter = NO_FILTER): VectorHit[] {
    return this.exactScan.knn(model, q, k, f);
  }

  /** Drop the indexes of models no item uses any more (after re-embedding). Returns their names. */
  dropUnused(): string[] {
    if (!this.vecLoaded) return [];
    const unused = this.db
      .prepare('SELECT name FROM memory_vector_indexes x WHERE NOT EXISTS (SELECT 1 FROM memory_items m WHERE m.embedding_model = x.model)')
      .pluck()
      .all() as string[];
    for (const name of unused) {
      if (!/^memory_vec_[0-9a-f]{16}$/.test(name)) continue;
      this.db.exec(`DROP TABLE IF EXISTS ${name}`);
      this.db.prepare('DELETE FROM memory_vector_indexes WHERE name = ?').run(name);
    }
    for (const name of unused) this.byName.delete(name);
    return unused;
  }
}
