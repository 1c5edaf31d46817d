// memory.*: tiered memory search and ingest.
//
// memory.search.{100k,1m}.p95: hybrid search() (binary-quantised vec0 KNN + float re-rank, FTS5 BM25,
// fusion, hydration) over 100k and 1M items with 384-d unit vectors, bulk-imported (bypassing the
// embedder; the query text maps to its vector through a lookup embedder). Reference: exact float
// KNN in sqlite-vec (vec_distance_cosine over every stored vector, k = 10) on the same database.
// memory.search.recall10[.1m]: recall@10 of the vector list search() fuses, against that exact KNN.
//
// The vectors are random but clustered (one random centroid per 100 vectors, noise around it; a
// vector's 10th neighbour has cosine ≈ 0.5), as embeddings of real text are. Independent uniform
// random vectors have no neighbourhoods (every cosine ≈ 0 ± 0.05): one sign bit per dimension cannot
// rank them, and no affordable oversampling reaches 0.95 there. memory.search.recall10.uniform
// reports that case as it is.
//
// memory.ingest: items/s through add() with the tiny ONNX embedding model (memory.ingest.hashed: the
// hashed-ngram@1 fallback), an audit entry per item, one transaction per item, counted until every
// vector is stored (add() returns first; the vectors follow in batches, embed-behind.ts). Reference:
// the embedder alone.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, type Db } from '../src/main/platform/db/connection';
import { startBackgroundCheckpoints } from '../src/platform/sqlite-checkpointer';
import { createAuditService } from '../src/main/platform/audit/index';
import { createEventBus } from '../src/main/platform/events';
import { createHealthRegistry } from '../src/main/platform/health';
import { systemClock } from '../src/main/platform/util/clock';
import { createMemoryService, type MemoryImportItem, type MemoryService } from '../src/main/features/memory/index';
import { listLength } from '../src/main/features/memory/service';
import { rng, unitVectorSource } from '../src/main/features/memory/testing';
import { hashedNgramEmbedder } from '../src/main/features/inference/hashed-ngram';
import { loadOnnxEmbedder } from '../src/main/features/inference/embedder';
import { tinyEmbeddingModelInfo, writeTinyEmbeddingModel } from '../src/main/features/inference/onnx-writer';
import type { Embedder } from '../src/main/features/inference/types';
import type { MemoryTier } from '../src/shared/memory/types';
import { tempDir } from '../src/main/platform/test-utils';
import { emit, percentile, size } from './figure';

const DIM = 384;
const MODEL = 'bench-random@1';
const DAY = 86_400_000;
/** Item counts of the "100k" and "1M" stores, and the texts ingest() adds (tiny in the smoke run). */
const N100K = size(100_000, 2_000);
const N1M = size(1_000_000, 4_000);
const INGEST_TEXTS = size(3_000, 60);

/** A Zipf(1) vocabulary of pronounceable pseudo-words: a few very common, most rare (like text). */
function vocabulary(n: number, seed: number): { word: () => string } {
  const r = rng(seed);
  const syl = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'te', 'vi', 'do', 'pe', 'gu', 'ha', 'jo', 'bre', 'st', 'an', 'or', 'el'];
  const words = Array.from({ length: n }, (_, i) => {
    let w = '';
    for (let s = 0, len = 2 + (i % 3); s < len; s++) w += syl[(r() * syl.length) | 0];
    return `${w}${i.toString(36)}`;
  });
  const cdf = new Float64Array(n);
  let acc = 0;
  for (let i = 0; i < n; i++) cdf[i] = acc += 1 / (i + 1);
  return {
    word: () => {
      const x = r() * acc;
      let lo = 0;
      let hi = n - 1;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (cdf[mid]! < x) lo = mid + 1;
        else hi = mid;
      }
      return words[lo]!;
    },
  };
}

function sentence(v: { word: () => string }, r: () => number): string {
  const n = 8 + ((r() * 7) | 0);
  return Array.from({ length: n }, () => v.word()).join(' ') + '.';
}

/** Query texts map to given vectors (the bench's vectors are not embeddings of its texts). */
function lookupEmbedder(table: Map<string, Float32Array>): Embedder {
  return {
    id: MODEL,
    dimension: DIM,
    embed: async (texts) =>
      texts.map((t) => {
        const v = table.get(t);
        if (!v) throw new Error(`bench: no vector for query ${t}`);
        return v;
      }),
  };
}

interface Store {
  db: Db;
  memory: MemoryService;
  table: Map<string, Float32Array>;
  close(): void;
}

function openStore(name: string, embedder: () => Embedder, table = new Map<string, Float32Array>(), atRestKey?: Buffer): Store {
  const dir = tempDir('maestro-bench-memory-');
  const db = openDatabase(join(dir, name), { key: atRestKey });
  // As the app runs it (app/wire.ts): WAL checkpoints on a worker.
  const checkpoints = startBackgroundCheckpoints(db, { path: join(dir, name), key: atRestKey });
  const events = createEventBus();
  const audit = createAuditService({ db, clock: systemClock, events, health: createHealthRegistry() });
  const memory = createMemoryService({
    db,
    clock: systemClock,
    audit,
    events,
    embedder,
    quotas: { core: null, working: null, episodic: null, semantic: null, procedural: null },
  });
  // The 1M database is ~2.6 GB: removed when done.
  return {
    db,
    memory,
    table,
    close: () => {
      void checkpoints.stop();
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const TIERS: MemoryTier[] = ['semantic', 'semantic', 'semantic', 'semantic', 'episodic', 'episodic', 'episodic', 'procedural', 'procedural', 'working'];
const LOCALES = ['en', 'en', 'en-GB', 'sv', 'fr-CA'];

/** Bulk-import n items (batches of 50k, one transaction and one audit entry each). Returns items/s. */
function fill(s: Store, n: number, next: () => Float32Array, seed: number): number {
  const r = rng(seed);
  const vocab = vocabulary(30_000, 7);
  const now = Date.now();
  const t = performance.now();
  for (let done = 0; done < n;) {
    const batch: MemoryImportItem[] = [];
    for (let i = 0; i < 50_000 && done < n; i++, done++) {
      batch.push({
        tier: TIERS[(r() * TIERS.length) | 0]!,
        text: sentence(vocab, r),
        locale: LOCALES[(r() * LOCALES.length) | 0]!,
        sourceRefs: [`record:bench-${done}`],
        createdAt: new Date(now - 365 * DAY + (done / n) * 365 * DAY).toISOString(),
        vector: next(),
      });
    }
    s.memory.importMany(batch, { id: MODEL, dimension: DIM }, 'service:bench');
  }
  return n / ((performance.now() - t) / 1000);
}

interface SearchFigures {
  p95: number;
  p50: number;
  filteredP95: number;
  recall: number;
  refP95: number;
}

/** search() latency over `queries` queries, recall of its vector list on `recallQueries`, and the exact reference. */
/**
 * `full`: every query must get `limit` hits. Not for unrelated (uniform) vectors: search() drops a
 * vector-only hit below VECTOR_ONLY_MIN_SIMILARITY (0.25), and a uniform random query has almost no
 * item that similar — fewer hits is the right answer there (recall is measured on the vector list).
 */
async function measure(s: Store, next: () => Float32Array, queries: number, recallQueries: number, full = true): Promise<SearchFigures> {
  const vocab = vocabulary(30_000, 7);
  const qs = Array.from({ length: queries + 20 }, (_, i) => {
    const text = `${vocab.word()} ${vocab.word()} ${vocab.word()} q${i}`;
    const v = next();
    s.table.set(text, v);
    return { text, v };
  });
  for (const q of qs.slice(0, 20)) await s.memory.search({ text: q.text });
  const times: number[] = [];
  for (const q of qs.slice(20)) {
    const t = performance.now();
    const res = await s.memory.search({ text: q.text, limit: 10 });
    times.push(performance.now() - t);
    if (full && res.hits.length !== 10) throw new Error(`memory bench: expected 10 hits, got ${res.hits.length}`);
  }
  const filtered: number[] = [];
  for (const q of qs.slice(20, 20 + Math.min(queries, 100))) {
    const t = performance.now();
    await s.memory.search({ text: q.text, limit: 10, tiers: ['semantic', 'procedural'], locale: 'en', from: new Date(Date.now() - 180 * DAY).toISOString() });
    filtered.push(performance.now() - t);
  }
  const index = s.memory.vectors.get(MODEL, DIM)!;
  const exact = s.db.prepare('SELECT seq FROM memory_vectors ORDER BY vec_distance_cosine(vec, ?) LIMIT 10').pluck();
  const refTimes: number[] = [];
  let recall = 0;
  for (const q of qs.slice(20, 20 + recallQueries)) {
    const t = performance.now();
    const want = exact.all(Buffer.from(q.v.buffer, q.v.byteOffset, q.v.byteLength)) as number[];
    refTimes.push(performance.now() - t);
    // The vector list search() fuses: listLength(10) candidates, its first 10 compared.
    const got = index
      .knn(q.v, listLength(10))
      .slice(0, 10)
      .map((h) => h.seq);
    recall += want.filter((x) => got.includes(x)).length / 10;
  }
  const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
  return {
    p95: percentile(sorted(times), 95),
    p50: percentile(sorted(times), 50),
    filteredP95: percentile(sorted(filtered), 95),
    recall: recall / recallQueries,
    refP95: percentile(sorted(refTimes), 95),
  };
}

/** The tiny ONNX sentence-embedding model (384-d) of `npm run models:tiny`, loaded the way the app loads it. */
async function tinyOnnxEmbedder(): Promise<{ embedder: Embedder; close(): void }> {
  const dir = tempDir('maestro-bench-embed-');
  writeTinyEmbeddingModel(dir, { dimension: DIM });
  const { embedder } = await loadOnnxEmbedder({
    bundle: 'model.tiny-embed',
    version: '1.0.0',
    info: tinyEmbeddingModelInfo({ dimension: DIM }),
    weightsPath: join(dir, 'model.onnx'),
    weightsSha256: '',
    files: { 'model.onnx': join(dir, 'model.onnx'), 'tokenizer.json': join(dir, 'tokenizer.json') },
  });
  return { embedder, close: () => rmSync(dir, { recursive: true, force: true }) };
}

async function ingest(name: string, e: Embedder, target: string | null): Promise<void> {
  const s = openStore('ingest.db', () => e);
  const r = rng(5);
  const vocab = vocabulary(30_000, 11);
  const texts = Array.from({ length: INGEST_TEXTS }, () => sentence(vocab, r));
  const t0 = performance.now();
  await e.embed(texts);
  const embedRate = texts.length / ((performance.now() - t0) / 1000);
  const t = performance.now();
  for (let i = 0; i < texts.length; i++) {
    await s.memory.add({ tier: i % 3 === 0 ? 'episodic' : 'semantic', text: texts[i]!, locale: 'en', sourceRefs: [`record:r${i}`] });
  }
  // Counted until the last vector is stored (add() returns before its item's vector: embed-behind).
  await s.memory.embedded();
  const rate = texts.length / ((performance.now() - t) / 1000);
  s.close();
  emit({
    name,
    value: rate,
    unit: `items/s (add(), ${e.id} ${e.dimension}-d, audited, one transaction each, until every vector is stored)`,
    ref: embedRate,
    refName: `${e.id} embed() alone, one batch`,
    target,
  });
}

/**
 * memory.search.100k: search() p95 (and the exact reference) over 100k clustered 384-d items; with
 * `atRestKey` on the encrypted database (bench/atrest.bench.ts compares the two).
 */
export async function search100k(atRestKey?: Buffer, queries = size(200, 10)): Promise<SearchFigures> {
  const table = new Map<string, Float32Array>();
  const s = openStore('m100k.db', () => lookupEmbedder(table), table, atRestKey);
  const next = unitVectorSource(DIM, 1, 100, N100K);
  fill(s, N100K, next, 3);
  const f = await measure(s, next, queries, size(20, 5));
  s.close();
  return f;
}

export async function run(): Promise<void> {
  const tiny = await tinyOnnxEmbedder();
  await ingest('memory.ingest', tiny.embedder, '≥ 3,000');
  tiny.close();
  await ingest('memory.ingest.hashed', hashedNgramEmbedder(DIM), null);

  {
    const s = openStore('m100k.db', () => lookupEmbedder(s.table));
    const next = unitVectorSource(DIM, 1, 100, N100K);
    const rate = fill(s, N100K, next, 3);
    const f = await measure(s, next, size(200, 10), size(100, 5));
    s.close();
    emit({ name: 'memory.import.rate', value: rate, unit: 'items/s (importMany, 384-d, FTS + vectors + vec0)', ref: null, refName: null });
    emit({
      name: 'memory.search.100k.p95',
      value: f.p95,
      unit: `ms (p95; p50 ${f.p50.toFixed(1)})`,
      ref: f.refP95,
      refName: 'exact sqlite-vec float KNN (vec_distance_cosine over all, k=10), p95',
      target: '< 8 (recall@10 ≥ 0.95)',
    });
    emit({
      name: 'memory.search.100k.filtered.p95',
      value: f.filteredP95,
      unit: 'ms (p95; tiers + locale + time filters)',
      ref: f.refP95,
      refName: 'exact sqlite-vec float KNN, unfiltered, p95',
    });
    emit({
      name: 'memory.search.recall10',
      value: f.recall,
      unit: 'recall@10 (100k, clustered 384-d)',
      ref: 1,
      refName: 'exact sqlite-vec float KNN',
      target: '≥ 0.95',
    });
  }

  {
    const s = openStore('uniform.db', () => lookupEmbedder(s.table));
    const next = unitVectorSource(DIM, 2, 0, N100K);
    fill(s, N100K, next, 4);
    const f = await measure(s, next, size(50, 5), size(50, 5), false);
    s.close();
    emit({
      name: 'memory.search.recall10.uniform',
      value: f.recall,
      unit: `recall@10 (100k independent uniform 384-d: no neighbourhoods; search p95 ${f.p95.toFixed(1)} ms)`,
      ref: 1,
      refName: 'exact sqlite-vec float KNN',
    });
  }

  {
    const s = openStore('m1m.db', () => lookupEmbedder(s.table));
    const next = unitVectorSource(DIM, 3, 100, N1M);
    const rate = fill(s, N1M, next, 5);
    const f = await measure(s, next, size(200, 10), size(20, 5));
    s.close();
    emit({ name: 'memory.import.1m.rate', value: rate, unit: 'items/s (importMany, 1M × 384-d)', ref: null, refName: null });
    emit({
      name: 'memory.search.1m.p95',
      value: f.p95,
      unit: `ms (p95; p50 ${f.p50.toFixed(1)})`,
      ref: f.refP95,
      refName: 'exact sqlite-vec float KNN (vec_distance_cosine over all, k=10), p95',
      target: '< 40',
    });
    emit({
      name: 'memory.search.1m.filtered.p95',
      value: f.filteredP95,
      unit: 'ms (p95; tiers + locale + time filters)',
      ref: f.refP95,
      refName: 'exact sqlite-vec float KNN, unfiltered, p95',
    });
    emit({
      name: 'memory.search.recall10.1m',
      value: f.recall,
      unit: 'recall@10 (1M, clustered 384-d, 20 queries)',
      ref: 1,
      refName: 'exact sqlite-vec float KNN',
      target: '≥ 0.95',
    });
  }
}
