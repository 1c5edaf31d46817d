import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { openDatabase, type Db } from '../../platform/db/connection';
import { tempDir } from '../../platform/test-utils';
import { loadSqliteVec } from './sqlite-vec';
import { bruteForceTopK, testMemory, unitVectorSource } from './testing';
import { DEFAULT_TUNING, TAIL_MAX, VectorIndexes, type VectorFilter } from './vector-index';

const DIM = 384;
const MODEL = { id: 'random-test@1', dimension: DIM };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const LOCALES = ['en', 'sv-SE', 'fr-CA'];

/** n items with vectors from `source`; tier, locale and time cycle so every filter has work to do. */
function seeded(n: number, perCluster: number, tuning: { exactBelow?: number } = {}, db?: Db) {
  // add() embeds through `table` (text → vector), so a test can add an item with a known vector.
  const table = new Map<string, Float32Array>();
  const embedder = { id: MODEL.id, dimension: DIM, embed: async (ts: string[]) => ts.map((x) => table.get(x)!) };
  const t = testMemory({ tuning, embedder: () => embedder, ...(db ? { db } : {}) });
  const next = unitVectorSource(DIM, 42, perCluster, n);
  const xs = Array.from({ length: n }, next);
  const tiers: MemoryTier[] = xs.map((_, i) => MEMORY_TIERS[1 + (i % 4)]!);
  const locales = xs.map((_, i) => LOCALES[i % 3]!);
  const times = xs.map((_, i) => new Date(T0 + i * 60_000).toISOString());
  t.memory.importMany(
    xs.map((vector, i) => ({ tier: tiers[i]!, text: `item ${i}`, locale: locales[i]!, createdAt: times[i]!, vector })),
    MODEL,
  );
  expect(t.memory.store.bySeq(n)?.text).toBe(`item ${n - 1}`);
  const index = t.memory.vectors.get(MODEL.id, DIM)!;
  const queries = Array.from({ length: 100 }, next);
  return { ...t, table, next, xs, tiers, locales, times, index, queries };
}

// Searches through the binary codes: the default tuning scans an index under 10,000 vectors exactly.
const INDEXED = { ...DEFAULT_TUNING, exactBelow: 0 };
const ALL_ITEMS: VectorFilter = { tiers: null, lang: null, from: null, to: null };

const recallAt = (got: number[], want: number[]) => want.filter((x) => got.includes(x)).length / want.length;

describe('vector search (sqlite-vec, binary first pass + float re-rank)', () => {
  it('reaches recall@10 ≥ 0.95 against brute force on 5,000 random 384-d vectors', () => {
    const s = seeded(5_000, 100, { exactBelow: 0 });
    let recall = 0;
    for (const q of s.queries) {
      const got = s.index.knn(q, 10, ALL_ITEMS, INDEXED).map((h) => h.seq - 1);
      recall += recallAt(got, bruteForceTopK(s.xs, q, 10));
    }
    expect(recall / s.queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('returns exact cosine similarities, best first', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const q = s.queries[0]!;
    const hits = s.index.knn(q, 10, ALL_ITEMS, INDEXED);
    expect(hits).toHaveLength(10);
    for (const h of hits) {
      const x = s.xs[h.seq - 1]!;
      expect(h.similarity).toBeCloseTo(
        x.reduce((acc, v, i) => acc + v * q[i]!, 0),
        5,
      );
    }
    expect([...hits].sort((a, b) => b.similarity - a.similarity)).toEqual(hits);
  });

  it('applies tier, locale and time filters during the scan (k hits even when selective)', () => {
    const s = seeded(5_000, 100, { exactBelow: 0 });
    const from = s.times[1_000]!;
    const to = s.times[3_999]!;
    const late = s.times[3_000]!;
    // [filter, which items pass it, the recall@10 it must reach]
    const cases: [VectorFilter, (i: number) => boolean, number][] = [
      [{ tiers: ['semantic'], lang: null, from: null, to: null }, (i) => s.tiers[i] === 'semantic', 0.95],
      [{ tiers: ['episodic', 'procedural'], lang: null, from: null, to: null }, (i) => s.tiers[i] === 'episodic' || s.tiers[i] === 'procedural', 0.95],
      [{ tiers: null, lang: 'sv', from: null, to: null }, (i) => s.locales[i] === 'sv-SE', 0.95],
      [{ tiers: null, lang: null, from, to }, (i) => s.times[i]! >= from && s.times[i]! <= to, 0.95],
      // 333 items pass, about 3 per cluster of 100: a query's 10 nearest among them are mostly near
      // chance (cosine ≈ 0.1), beyond the capped radius (see vector-index.ts), and the list is
      // approximate, by design.
      [{ tiers: ['working'], lang: 'fr', from, to: null }, (i) => s.tiers[i] === 'working' && s.locales[i] === 'fr-CA' && s.times[i]! >= from, 0.75],
      // 167 pass: fewer than the 200 candidates (k × oversample) re-ranking may take, so all are (exact).
      [{ tiers: ['working'], lang: 'fr', from: late, to: null }, (i) => s.tiers[i] === 'working' && s.locales[i] === 'fr-CA' && s.times[i]! >= late, 1],
    ];
    for (const [f, keep, want] of cases) {
      let recall = 0;
      for (const q of s.queries.slice(0, 40)) {
        const got = s.index.knn(q, 10, f, INDEXED).map((h) => h.seq - 1);
        expect(got).toHaveLength(10);
        for (const i of got) expect(keep(i)).toBe(true);
        recall += recallAt(got, bruteForceTopK(s.xs, q, 10, keep));
      }
      expect(recall / 40).toBeGreaterThanOrEqual(want);
    }
  });

  it('is exact below exactBelow vectors, even on unstructured (uniform) random vectors', () => {
    const s = seeded(3_000, 0);
    for (const q of s.queries.slice(0, 30)) {
      expect(s.index.knn(q, 10).map((h) => h.seq - 1)).toEqual(bruteForceTopK(s.xs, q, 10));
    }
  });

  it('without sqlite-vec, scans exactly in JavaScript', () => {
    const s = seeded(1_000, 0);
    const plain = new VectorIndexes(s.db, false);
    expect(plain.get(MODEL.id, DIM)).toBeNull();
    for (const q of s.queries.slice(0, 10)) {
      expect(plain.exact(MODEL.id, q, 10).map((h) => h.seq - 1)).toEqual(bruteForceTopK(s.xs, q, 10));
      const f: VectorFilter = { tiers: ['semantic'], lang: 'en', from: null, to: null };
      const keep = (i: number) => s.tiers[i] === 'semantic' && s.locales[i] === 'en';
      expect(plain.exact(MODEL.id, q, 5, f).map((h) => h.seq - 1)).toEqual(bruteForceTopK(s.xs, q, 5, keep));
    }
  });

  it('follows deletes and pins (a pinned item moves to the core partition)', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const q = s.xs[123]!;
    const top = s.index.knn(q, 1, ALL_ITEMS, INDEXED)[0]!;
    expect(top.seq).toBe(124);
    const id = s.memory.store.bySeq(124)!.id;
    s.memory.pin(id);
    expect(s.index.knn(q, 1, { tiers: ['core'], lang: null, from: null, to: null }, INDEXED).map((h) => h.seq)).toEqual([124]);
    s.memory.delete(id, 'test', 'user:t');
    expect(s.index.knn(q, 10, ALL_ITEMS, INDEXED).map((h) => h.seq)).not.toContain(124);
    expect(s.index.knn(q, 10, { tiers: ['core'], lang: null, from: null, to: null }, INDEXED)).toEqual([]);
  });
});

describe('the codes in memory (binary-codes.ts) follow vec0', () => {
  const ALL = ALL_ITEMS;
  const only = (tier: MemoryTier): VectorFilter => ({ tiers: [tier], lang: null, from: null, to: null });
  const seqs = (hits: { seq: number }[]) => hits.map((h) => h.seq);
  /** The index's own writes of a pin: its row leaves the tier's partition for core. */
  const pinRows = (db: Db, index: ReturnType<VectorIndexes['get']>, seq: number) => {
    const row = db.prepare('SELECT lang, created_at FROM memory_items WHERE seq = ?').get(seq) as { lang: string; created_at: string };
    const vec = db.prepare('SELECT vec FROM memory_vectors WHERE seq = ?').pluck().get(seq) as Buffer;
    db.prepare("UPDATE memory_items SET tier = 'core' WHERE seq = ?").run(seq);
    index!.remove(seq);
    index!.insert(seq, 'core', row.lang, row.created_at, vec);
  };

  it('a rolled-back remove or pin leaves the item where it was', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const q = s.xs[123]!;
    const tier = s.tiers[123]!;
    expect(seqs(s.index.knn(q, 1, ALL, INDEXED))).toEqual([124]);
    expect(() =>
      s.db.transaction(() => {
        s.index.remove(124);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(seqs(s.index.knn(q, 1, ALL, INDEXED))).toEqual([124]);
    expect(() =>
      s.db.transaction(() => {
        pinRows(s.db, s.index, 124);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(seqs(s.index.knn(q, 1, only(tier), INDEXED))).toEqual([124]);
    expect(s.index.knn(q, 1, only('core'), INDEXED)).toEqual([]);
    // Searched inside the transaction (which sees the pin), then rolled back.
    expect(() =>
      s.db.transaction(() => {
        pinRows(s.db, s.index, 124);
        expect(seqs(s.index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
        throw new Error('rolled back');
      })(),
    ).toThrow('rolled back');
    expect(seqs(s.index.knn(q, 1, only(tier), INDEXED))).toEqual([124]);
    expect(s.index.knn(q, 1, only('core'), INDEXED)).toEqual([]);
  });

  it('inside the transaction that changed the index, search sees the change; after it, too', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const q = s.xs[123]!;
    const tier = s.tiers[123]!;
    expect(seqs(s.index.knn(q, 1, only(tier), INDEXED))).toEqual([124]);
    s.db.transaction(() => {
      pinRows(s.db, s.index, 124);
      expect(seqs(s.index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
      expect(seqs(s.index.knn(q, 1, only(tier), INDEXED))).not.toEqual([124]);
    })();
    expect(seqs(s.index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
    expect(seqs(s.index.knn(q, 1, only(tier), INDEXED))).not.toEqual([124]);
  });

  it("sees another connection's commit (a pin written there)", () => {
    const path = join(tempDir(), 'shared.db');
    const s = seeded(2_000, 100, { exactBelow: 0 }, openDatabase(path));
    const q = s.xs[123]!;
    expect(seqs(s.index.knn(q, 1, ALL, INDEXED))).toEqual([124]);
    expect(s.index.knn(q, 1, only('core'), INDEXED)).toEqual([]);
    const other = openDatabase(path);
    expect(loadSqliteVec(other).ok).toBe(true);
    const theirs = new VectorIndexes(other, true).get(MODEL.id, DIM);
    other.transaction(() => pinRows(other, theirs, 124))();
    other.close();
    expect(seqs(s.index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
    expect(seqs(s.index.knn(q, 1, only(s.tiers[123]!), INDEXED))).not.toEqual([124]);
    s.db.close();
  });

  it('ready() reads the codes in slices, letting other work run in between, and keeps changes made meanwhile', async () => {
    const s = seeded(5_000, 100, { exactBelow: 0 });
    const q = s.xs[123]!;
    const index = s.memory.vectors.get(MODEL.id, DIM)!;
    // 5,000 items, 1,000 a slice: after one turn of the event loop the read is still under way.
    let done = false;
    const reading = index.ready(INDEXED).then(() => {
      done = true;
    });
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(done).toBe(false);
    // Changes while it reads: a pin of an early item (already read) and a delete of a late one.
    s.memory.pin(s.memory.store.bySeq(124)!.id);
    s.memory.delete(s.memory.store.bySeq(4_900)!.id, 'test', 'user:t');
    await reading;
    expect(seqs(index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
    const fresh = new VectorIndexes(s.db, true).get(MODEL.id, DIM)!;
    for (const x of [q, s.xs[4_899]!, ...s.queries.slice(0, 5)]) {
      for (const f of [ALL, only('semantic'), only('core')]) expect(index.knn(x, 10, f, INDEXED)).toEqual(fresh.knn(x, 10, f, INDEXED));
    }
    expect(seqs(index.knn(s.xs[4_899]!, 10, ALL, INDEXED))).not.toContain(4_900);
  });

  it('a read at once (knn without ready()) overtakes a sliced read, which then keeps nothing', async () => {
    const s = seeded(5_000, 100, { exactBelow: 0 });
    const q = s.xs[123]!;
    const index = s.memory.vectors.get(MODEL.id, DIM)!;
    const reading = index.ready(INDEXED);
    await new Promise<void>((resolve) => setImmediate(resolve));
    s.memory.pin(s.memory.store.bySeq(124)!.id); // after the sliced read passed seq 124
    expect(seqs(index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
    await reading;
    expect(seqs(index.knn(q, 1, only('core'), INDEXED))).toEqual([124]);
  });

  it('answers as codes read afresh from vec0 do, after adds, deletes and pins between searches', async () => {
    const s = seeded(3_000, 100, { exactBelow: 0 });
    const filters: VectorFilter[] = [ALL, only('semantic'), only('core'), { tiers: ['episodic', 'core'], lang: 'sv', from: null, to: null }];
    const compare = () => {
      const fresh = new VectorIndexes(s.db, true).get(MODEL.id, DIM)!;
      const live = s.memory.vectors.get(MODEL.id, DIM)!;
      for (const q of s.queries.slice(0, 8)) for (const f of filters) expect(live.knn(q, 10, f, INDEXED)).toEqual(fresh.knn(q, 10, f, INDEXED));
    };
    compare();
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 90; i++) {
        const text = `round ${round} note ${i}`;
        s.table.set(text, s.next());
        await s.memory.add({ tier: i % 2 ? 'semantic' : 'episodic', text, locale: i % 3 ? 'en' : 'sv' });
      }
      await s.memory.embedded();
      for (let i = 0; i < 25; i++) s.memory.delete(s.memory.store.bySeq(1 + round * 400 + i * 7)!.id, 'test', 'user:t');
      for (let i = 0; i < 10; i++) s.memory.pin(s.memory.store.bySeq(200 + round * 400 + i * 11)!.id);
      compare();
    }
  });
});

describe('the write-behind tail (items added since the last flush to vec0)', () => {
  const inVec0 = (s: ReturnType<typeof seeded>, seq: number) =>
    s.db.prepare(`SELECT count(*) FROM ${s.index.info.name} WHERE rowid = ?`).pluck().get(seq) as number;
  const indexedSeq = (s: ReturnType<typeof seeded>) => s.db.prepare('SELECT indexed_seq FROM memory_vector_indexes').pluck().get() as number;

  it('importMany writes every vector to vec0 at its end (no tail left)', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    expect(indexedSeq(s)).toBe(2_000);
    expect(s.db.prepare(`SELECT count(*) FROM ${s.index.info.name}`).pluck().get()).toBe(2_000);
  });

  it('finds a new item right after add(), and writes the tail to vec0 when it holds TAIL_MAX items', async () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const v = s.next();
    s.table.set('a brand new note', v);
    const item = await s.memory.add({ tier: 'semantic', text: 'a brand new note', locale: 'en' });
    await s.memory.embedded();
    const seq = s.memory.store.byId(item.id)!.seq;
    expect(inVec0(s, seq)).toBe(0);
    expect(s.memory.vectors.get(MODEL.id, DIM)!.knn(v, 1, ALL_ITEMS, INDEXED)[0]).toMatchObject({ seq });
    expect((await s.memory.search({ text: 'a brand new note', limit: 3 })).hits[0]?.item.id).toBe(item.id);
    // Filters apply to the tail too.
    expect(
      s.memory.vectors
        .get(MODEL.id, DIM)!
        .knn(v, 10, { tiers: ['episodic'], lang: null, from: null, to: null }, INDEXED)
        .map((h) => h.seq),
    ).not.toContain(seq);
    for (let i = 1; i < TAIL_MAX; i++) {
      s.table.set(`filler ${i}`, s.next());
      await s.memory.add({ tier: 'episodic', text: `filler ${i}`, locale: 'en' });
      await s.memory.embedded();
      if (i < TAIL_MAX - 1) expect(inVec0(s, seq)).toBe(0);
    }
    expect(inVec0(s, seq)).toBe(1);
    expect(indexedSeq(s)).toBe(2_000 + TAIL_MAX);
    expect(s.db.prepare(`SELECT count(*) FROM ${s.index.info.name}`).pluck().get()).toBe(2_000 + TAIL_MAX);
    expect(s.memory.vectors.get(MODEL.id, DIM)!.knn(v, 1, ALL_ITEMS, INDEXED)[0]).toMatchObject({ seq });
  });

  it('a deleted tail item is not found', async () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const v = s.next();
    s.table.set('short lived', v);
    const item = await s.memory.add({ tier: 'semantic', text: 'short lived', locale: 'en' });
    await s.memory.embedded();
    const seq = s.memory.store.byId(item.id)!.seq;
    expect(s.memory.vectors.get(MODEL.id, DIM)!.knn(v, 1, ALL_ITEMS, INDEXED)[0]!.seq).toBe(seq);
    s.memory.delete(item.id, 'test', 'user:t');
    const hits = s.memory.vectors.get(MODEL.id, DIM)!.knn(v, 10, ALL_ITEMS, INDEXED);
    expect(hits.map((h) => h.seq)).not.toContain(seq);
    expect(hits.every((h) => s.memory.store.bySeq(h.seq) !== undefined)).toBe(true);
  });

  it('migration 018: a version-17 store keeps searching (every existing item counts as in vec0)', () => {
    const model = MODEL.id;
    const path = join(tempDir(), 'm17.db');
    const db17 = openDatabase(path, { targetVersion: 17 });
    expect(loadSqliteVec(db17).ok).toBe(true);
    const name = VectorIndexes.nameOf(model, DIM);
    db17.exec(`CREATE VIRTUAL TABLE ${name} USING vec0(tier integer partition key, embedding bit[${DIM}], lang integer, created integer)`);
    db17.prepare('INSERT INTO memory_vector_indexes (name, model, dimension, created_at) VALUES (?, ?, ?, ?)').run(name, model, DIM, '2026-01-01T00:00:00Z');
    const next = unitVectorSource(DIM, 9, 100, 3_000);
    const xs = Array.from({ length: 3_000 }, next);
    const item = db17.prepare(
      `INSERT INTO memory_items (seq, id, tier, text, locale, lang, source_refs, created_at, content_hash, embedding_model, bytes)
       VALUES (?, ?, 'semantic', ?, 'en', 'en', '[]', '2026-01-01T00:00:00Z', ?, ?, 5)`,
    );
    const vec = db17.prepare('INSERT INTO memory_vectors (seq, vec) VALUES (?, ?)');
    const old = db17.prepare(`INSERT INTO ${name} (rowid, tier, embedding, lang, created) VALUES (?, 3, vec_quantize_binary(?), 1, 0)`);
    db17.transaction(() =>
      xs.forEach((x, i) => {
        const b = Buffer.from(x.buffer);
        item.run(i + 1, `m${i}`, `old item ${i}`, `h${i}`, model);
        vec.run(i + 1, b);
        old.run(BigInt(i + 1), b);
      }),
    )();
    db17.close();
    const db = openDatabase(path);
    expect(loadSqliteVec(db).ok).toBe(true);
    const idx = new VectorIndexes(db, true).get(model, DIM)!;
    expect(idx.info.indexed_seq).toBe(3_000);
    let recall = 0;
    const queries = Array.from({ length: 30 }, next);
    for (const q of queries)
      recall += recallAt(
        idx.knn(q, 10, undefined, { oversample: 20, radiusZ: 2, exactBelow: 0 }).map((h) => h.seq - 1),
        bruteForceTopK(xs, q, 10),
      );
    expect(recall / queries.length).toBeGreaterThanOrEqual(0.95);
    // Nothing was written twice: vec0 holds each item once.
    expect(db.prepare(`SELECT count(*) FROM ${name}`).pluck().get()).toBe(3_000);
    db.close();
  });
});
