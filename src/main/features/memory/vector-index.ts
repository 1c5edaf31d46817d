// Vector search over memory items: sqlite-vec vec0 tables of binary-quantised vectors (one bit per
// dimension, 48 bytes for 384 dimensions) find candidates by Hamming distance, and the exact cosine
// of their float vectors (memory_vectors) ranks them.
//
// One vec0 table per (embedding model, dimension), created lazily: vec0 needs the extension, which
// migrations run without, and a new model means new vectors anyway. Its rowid is memory_items.seq;
// the tier is a partition key (a tier filter reads only that tier's chunks); locale and creation
// time are metadata columns, filtered during the scan so a selective filter still yields k hits.
// Items added since the last flush (the tail, at most TAIL_MAX) are searched exactly and merged
// (see VectorIndex; decision 0032).
//
// KNN in two passes, both in sqlite-vec:
//  1. the k nearest by Hamming distance, re-ranked by float cosine: s_k is the k-th similarity;
//  2. every item within Hamming radius t of the query, at most k × oversample per tier partition,
//     re-ranked with the first pass. For unit vectors a sign bit differs with probability ≈ θ/π
//     (θ the angle; exact for random hyperplanes), so an item at least as similar as s_k lies within
//     t = D·p + z·√(D·p(1−p)), p = acos(s_k)/π, with probability ≈ Φ(z) per item. The radius is
//     also what keeps sqlite-vec fast: its per-chunk top-k costs O(chunk × min(k, items in radius)),
//     so over 100k vectors k = 400 takes ~44 ms unbounded and ~4 ms within the radius.
// Most queries need one scan, not two: the largest radius of the last 64 queries is tried first, and
// kept when the radius its own candidates imply fits inside it (see knn). With the last 16 about one
// query in 20 needed the second scan (profiled on the 100k bench), which set the p95; the maximum of
// 64 misses about one in 65 for a guess a few bits wider (the single scan costs a little more).
// Re-ranking reads the candidates' float vectors in seq order (B-tree order: neighbouring pages).
// The radius is capped 2σ below the distance of unrelated vectors (D/2): when even the best matches
// are near chance the vector list is approximate, and the cap bounds the cost. Below `exactBelow`
// vectors (and without the extension) search is exact: float cosine over every vector.
import { createHash } from 'node:crypto';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../platform/db/connection';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { langCode } from './ranking';

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
  /** Most candidates the binary pass hands to re-ranking, per tier partition, as a multiple of k. */
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
const RADII_KEPT = 64;

/** sqlite-vec's ceiling on k. */
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

/** Items a tail holds before they are written to vec0 together (see VectorIndex). */
export const TAIL_MAX = 128;
const FLUSH_BATCH = 1_000;

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
  private readonly stmts = new Map<string, Statement>();
  private readonly radii: number[] = [];
  private count: number | null = null;
  private countedAt = 0;
  private indexedSeq: number;
  /** Items in the tail; null: not counted since this object was made. */
  private tail: number | null = null;
  private readonly tailStmt: Statement;
  private readonly flushStmt: Statement;
  private readonly markStmt: Statement;

  constructor(
    private readonly db: Db,
    readonly info: IndexInfo,
    private readonly exactScan: ExactScan,
  ) {
    if (!/^memory_vec_[0-9a-f]{16}$/.test(info.name)) throw new Error(`bad vector index name ${info.name}`);
    this.indexedSeq = info.indexed_seq;
    this.tailStmt = db.prepare('SELECT count(*) FROM memory_items WHERE embedding_model = ? AND seq > ?').pluck();
    this.flushStmt = db
      .prepare(
        `SELECT m.seq, m.tier, m.lang, m.created_at, v.vec FROM memory_items m JOIN memory_vectors v ON v.seq = m.seq
         WHERE m.embedding_model = ? AND m.seq > ? AND length(v.vec) = ? ORDER BY m.seq LIMIT ${FLUSH_BATCH}`,
      )
      .raw(true);
    this.markStmt = db.prepare('UPDATE memory_vector_indexes SET indexed_seq = ? WHERE name = ?');
    this.insertStmt = db.prepare(`INSERT INTO ${info.name} (rowid, tier, embedding, lang, created) VALUES (?, ?, vec_quantize_binary(?), ?, ?)`);
    this.deleteStmt = db.prepare(`DELETE FROM ${info.name} WHERE rowid = ?`);
    this.rerankStmt = db.prepare('SELECT seq, vec_distance_cosine(vec, ?) FROM memory_vectors WHERE seq IN (SELECT value FROM json_each(?))').raw(true);
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
  }

  /** Write the tail to vec0 (in the caller's transaction) and move `indexed_seq` past it. */
  flush(): void {
    for (;;) {
      const rows = this.flushStmt.all(this.info.model, this.indexedSeq, this.info.dimension * 4) as [number, MemoryTier, string, string, Buffer][];
      for (const [seq, tier, lang, createdAt, v] of rows) this.write(seq, tier, lang, createdAt, v);
      if (rows.length > 0) {
        this.indexedSeq = rows[rows.length - 1]![0];
        this.markStmt.run(this.indexedSeq, this.info.name);
        this.info.indexed_seq = this.indexedSeq;
      }
      if (rows.length < FLUSH_BATCH) break;
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
    const hits = this.indexed(q, k, f, t);
    this.tail ??= this.tailStmt.get(this.info.model, this.indexedSeq) as number;
    if (this.tail === 0) return hits;
    const kk = Math.min(k, VEC_K_MAX);
    return hits
      .concat(this.exactScan.knn(this.info.model, q, kk, f, this.indexedSeq))
      .sort(bySimilarity)
      .slice(0, kk);
  }

  /** KNN over the items in vec0 (the tail aside). */
  private indexed(q: Float32Array, k: number, f: VectorFilter, t: VectorTuning): VectorHit[] {
    const kk = Math.min(k, VEC_K_MAX);
    const cap = Math.min(VEC_K_MAX, Math.max(kk, Math.ceil(kk * t.oversample)));
    const qb = vecBuffer(q);
    const parts = f.tiers ?? [null];
    const scan = (k2: number, radius: number | null, skip: ReadonlySet<number>): number[] => {
      const out: number[] = [];
      for (const tier of parts) for (const [seq] of this.stage(qb, k2, f, tier, radius)) if (!skip.has(seq)) out.push(seq);
      return out;
    };
    const need = (hits: VectorHit[]) => hammingRadius(hits[kk - 1]!.similarity, this.info.dimension, t.radiusZ);

    // One scan when a recent radius suffices: the k-th similarity among its candidates is at most the
    // true one, so the radius it implies bounds the true radius from above; when that fits inside
    // the guess, every item the two passes would re-rank was a candidate already.
    const guess = this.radii.length > 0 ? Math.max(...this.radii) : null;
    let hits: VectorHit[];
    let seen: Set<number>;
    if (guess !== null) {
      seen = new Set(scan(cap, guess, new Set()));
      hits = this.rerank(qb, [...seen]);
      if (hits.length >= kk) {
        const r = need(hits);
        this.remember(r);
        if (r <= guess) return hits.slice(0, kk);
        return hits
          .concat(this.rerank(qb, scan(cap, r, seen)))
          .sort(bySimilarity)
          .slice(0, kk);
      }
    }
    // The two passes: the k nearest by Hamming distance give s_k, then everything within its radius.
    seen = new Set(scan(kk, null, new Set()));
    hits = this.rerank(qb, [...seen]);
    if (hits.length < kk) return hits;
    const r = need(hits);
    this.remember(r);
    return hits
      .concat(this.rerank(qb, scan(cap, r, seen)))
      .sort(bySimilarity)
      .slice(0, kk);
  }

  /** The radii of the last RADII_KEPT queries; their maximum is the next query's first guess. */
  private remember(radius: number): void {
    this.radii.push(radius);
    if (this.radii.length > RADII_KEPT) this.radii.shift();
  }

  /** Hamming KNN in vec0: [rowid, distance] rows. Only the filters present are in the SQL; all values bound. */
  private stage(qb: Buffer, k: number, f: VectorFilter, tier: MemoryTier | null, radius: number | null): [number, number][] {
    const key = `${tier !== null ? 't' : ''}${f.lang !== null ? 'l' : ''}${f.from !== null ? 'f' : ''}${f.to !== null ? 'u' : ''}${radius !== null ? 'r' : ''}`;
    let s = this.stmts.get(key);
    if (!s) {
      let sql = `SELECT rowid, distance FROM ${this.info.name} WHERE embedding MATCH vec_quantize_binary(?) AND k = ?`;
      if (tier !== null) sql += ' AND tier = ?';
      if (f.lang !== null) sql += ' AND lang = ?';
      if (f.from !== null) sql += ' AND created >= ?';
      if (f.to !== null) sql += ' AND created <= ?';
      if (radius !== null) sql += ' AND distance <= ?';
      s = this.db.prepare(sql).raw(true);
      this.stmts.set(key, s);
    }
    const params: unknown[] = [qb, k];
    if (tier !== null) params.push(tierNo(tier));
    if (f.lang !== null) params.push(BigInt(langCode(f.lang)));
    if (f.from !== null) params.push(BigInt(Date.parse(f.from)));
    if (f.to !== null) params.push(BigInt(Date.parse(f.to)));
    if (radius !== null) params.push(radius);
    return s.all(...params) as [number, number][];
  }

  private rerank(qb: Buffer, seqs: number[]): VectorHit[] {
    if (seqs.length === 0) return [];
    const sorted = Float64Array.from(seqs).sort();
    const rows = this.rerankStmt.all(qb, JSON.stringify(Array.from(sorted))) as [number, number][];
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
