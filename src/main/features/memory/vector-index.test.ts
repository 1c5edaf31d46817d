import { describe, expect, it } from 'vitest';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import { bruteForceTopK, testMemory, unitVectorSource } from './testing';
import { VectorIndexes, type VectorFilter } from './vector-index';

const DIM = 384;
const MODEL = { id: 'random-test@1', dimension: DIM };
const T0 = Date.parse('2026-01-01T00:00:00Z');
const LOCALES = ['en', 'sv-SE', 'fr-CA'];

/** n items with vectors from `source`; tier, locale and time cycle so every filter has work to do. */
function seeded(n: number, perCluster: number, tuning: { exactBelow?: number } = {}) {
  const t = testMemory({ tuning });
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
  return { ...t, xs, tiers, locales, times, index, queries };
}

const recallAt = (got: number[], want: number[]) => want.filter((x) => got.includes(x)).length / want.length;

describe('vector search (sqlite-vec, binary first pass + float re-rank)', () => {
  it('reaches recall@10 ≥ 0.95 against brute force on 5,000 random 384-d vectors', () => {
    const s = seeded(5_000, 100, { exactBelow: 0 });
    let recall = 0;
    for (const q of s.queries) {
      const got = s.index.knn(q, 10).map((h) => h.seq - 1);
      recall += recallAt(got, bruteForceTopK(s.xs, q, 10));
    }
    expect(recall / s.queries.length).toBeGreaterThanOrEqual(0.95);
  });

  it('returns exact cosine similarities, best first', () => {
    const s = seeded(2_000, 100, { exactBelow: 0 });
    const q = s.queries[0]!;
    const hits = s.index.knn(q, 10);
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
    const cases: [VectorFilter, (i: number) => boolean][] = [
      [{ tiers: ['semantic'], lang: null, from: null, to: null }, (i) => s.tiers[i] === 'semantic'],
      [{ tiers: ['episodic', 'procedural'], lang: null, from: null, to: null }, (i) => s.tiers[i] === 'episodic' || s.tiers[i] === 'procedural'],
      [{ tiers: null, lang: 'sv', from: null, to: null }, (i) => s.locales[i] === 'sv-SE'],
      [{ tiers: null, lang: null, from, to }, (i) => s.times[i]! >= from && s.times[i]! <= to],
      [{ tiers: ['working'], lang: 'fr', from, to: null }, (i) => s.tiers[i] === 'working' && s.locales[i] === 'fr-CA' && s.times[i]! >= from],
    ];
    for (const [f, keep] of cases) {
      let recall = 0;
      for (const q of s.queries.slice(0, 40)) {
        const got = s.index.knn(q, 10, f).map((h) => h.seq - 1);
        expect(got).toHaveLength(10);
        for (const i of got) expect(keep(i)).toBe(true);
        recall += recallAt(got, bruteForceTopK(s.xs, q, 10, keep));
      }
      expect(recall / 40).toBeGreaterThanOrEqual(0.95);
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
    const top = s.index.knn(q, 1)[0]!;
    expect(top.seq).toBe(124);
    const id = s.memory.store.bySeq(124)!.id;
    s.memory.pin(id);
    expect(s.index.knn(q, 1, { tiers: ['core'], lang: null, from: null, to: null }).map((h) => h.seq)).toEqual([124]);
    s.memory.delete(id, 'test', 'user:t');
    expect(s.index.knn(q, 10).map((h) => h.seq)).not.toContain(124);
    expect(s.index.knn(q, 10, { tiers: ['core'], lang: null, from: null, to: null })).toEqual([]);
  });
});
