// The in-memory binary codes and the WebAssembly Hamming scan over them (binary-codes.ts): every
// distance against a plain JavaScript popcount, the quantisation against sqlite-vec's own, and the
// selection (nearest first, filters, ties) against a sort of every code.
import Database from 'better-sqlite3';
import * as sqliteVec from 'sqlite-vec';
import { describe, expect, it } from 'vitest';
import { BinaryCodes, type CodeFilter } from './binary-codes';
import { rng } from './testing';

const NO_FILTER: CodeFilter = { tiers: null, lang: null, from: null, to: null };

function randomCode(bytes: number, r: () => number): Uint8Array {
  return Uint8Array.from({ length: bytes }, () => Math.floor(r() * 256));
}

function popcount(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) {
    let x = a[i]! ^ b[i]!;
    while (x) {
      n += x & 1;
      x >>= 1;
    }
  }
  return n;
}

/** The code sqlite-vec's vec_quantize_binary makes of v. */
function sqliteQuantize(db: Database.Database, v: Float32Array): Uint8Array {
  return new Uint8Array(
    db
      .prepare('SELECT vec_quantize_binary(?)')
      .pluck()
      .get(Buffer.from(v.buffer, v.byteOffset, v.byteLength)) as Buffer,
  );
}

/** A float vector whose sign bits are `code` (so a query with a known code can be given as a vector). */
function vectorOf(code: Uint8Array): Float32Array {
  const v = new Float32Array(code.length * 8);
  for (let d = 0; d < v.length; d++) v[d] = (code[d >> 3]! >> (d & 7)) & 1 ? 0.5 : -0.5;
  return v;
}

describe('BinaryCodes', () => {
  it('computes every Hamming distance exactly, for code sizes that fill 16-byte chunks or leave padding, across growth', () => {
    const r = rng(7);
    for (const bits of [8, 128, 384, 1000, 8192]) {
      const codes = new BinaryCodes(bits);
      const n = bits === 8192 ? 1_100 : 2_500; // past the first capacity (1,024 codes)
      const stored = Array.from({ length: n }, () => randomCode(bits / 8, r));
      stored.forEach((c, i) => codes.appendCode(i + 1, 0, 0, 0, c));
      expect(codes.size).toBe(n);
      for (let k = 0; k < 3; k++) {
        const q = randomCode(bits / 8, r);
        const got = codes.scan(vectorOf(q), NO_FILTER).nearest(n);
        const want = stored.map((c, i) => ({ seq: i + 1, d: popcount(q, c) })).sort((a, b) => a.d - b.d || a.seq - b.seq);
        expect(got.seqs).toEqual(want.map((x) => x.seq));
        expect(got.dist).toEqual(want.map((x) => x.d));
      }
    }
  });

  it('quantises a float vector exactly as sqlite-vec does (vec0 holds its codes)', () => {
    const db = new Database(':memory:');
    sqliteVec.load(db);
    const r = rng(3);
    const codes = new BinaryCodes(64);
    const vs: Float32Array[] = [];
    for (let i = 0; i < 50; i++) {
      // Zeros, negative zeros and tiny values as well as ordinary ones: only > 0 sets a bit.
      const v = Float32Array.from({ length: 64 }, () => {
        const x = r();
        return x < 0.1 ? 0 : x < 0.15 ? -0 : x < 0.2 ? 1e-30 : x - 0.6;
      });
      vs.push(v);
      codes.appendVector(i + 1, 0, 0, 0, v);
    }
    const viaSql = new BinaryCodes(64);
    vs.forEach((v, i) => viaSql.appendCode(i + 1, 0, 0, 0, sqliteQuantize(db, v)));
    for (const q of vs.slice(0, 10)) {
      const a = codes.scan(q, NO_FILTER).nearest(50);
      const b = viaSql.scan(q, NO_FILTER).nearest(50);
      expect(a).toEqual(b);
      // The query's own code is at distance 0 from itself.
      expect(a.dist[0]).toBe(0);
    }
    db.close();
  });

  it('selects the m nearest that pass the filters, nearest first, ties by position', () => {
    const r = rng(11);
    const bits = 32;
    const codes = new BinaryCodes(bits);
    const rows = Array.from({ length: 3_000 }, (_, i) => ({
      seq: 10 + i * 3,
      tier: i % 5,
      lang: [1, 2, 3][i % 3]!,
      created: 1_000 + (i % 97) * 10,
      // Few distinct codes: many ties.
      code: randomCode(bits / 8, r).map((b) => b & 0x0f),
    }));
    for (const x of rows) codes.appendCode(x.seq, x.tier, x.lang, x.created, x.code);
    const q = randomCode(bits / 8, r);
    const filters: [CodeFilter, (x: (typeof rows)[number]) => boolean][] = [
      [NO_FILTER, () => true],
      [{ tiers: Uint8Array.from([0, 1, 0, 1, 0]), lang: null, from: null, to: null }, (x) => x.tier === 1 || x.tier === 3],
      [{ tiers: null, lang: 2, from: null, to: null }, (x) => x.lang === 2],
      [{ tiers: null, lang: null, from: 1_200, to: 1_500 }, (x) => x.created >= 1_200 && x.created <= 1_500],
      [{ tiers: Uint8Array.from([1, 0, 0, 0, 0]), lang: 3, from: 1_100, to: null }, (x) => x.tier === 0 && x.lang === 3 && x.created >= 1_100],
    ];
    for (const [f, keep] of filters) {
      const all = rows
        .map((x, i) => ({ ...x, i, d: popcount(q, x.code) }))
        .filter(keep)
        .sort((a, b) => a.d - b.d || a.i - b.i);
      for (const m of [0, 1, 7, 100, all.length, all.length + 50]) {
        const got = codes.scan(vectorOf(q), f).nearest(m);
        const want = all.slice(0, m);
        expect(got.seqs).toEqual(want.map((x) => x.seq));
        expect(got.dist).toEqual(want.map((x) => x.d));
      }
    }
  });

  it('drops every code of the given seqs and keeps the rest in order', () => {
    const r = rng(5);
    const codes = new BinaryCodes(16);
    const stored = Array.from({ length: 40 }, () => randomCode(2, r));
    stored.forEach((c, i) => codes.appendCode(i + 1, 0, 0, 0, c));
    codes.appendCode(7, 1, 0, 0, stored[0]!); // a second code of seq 7
    codes.drop(new Set([3, 7, 40]));
    expect(codes.size).toBe(37);
    const q = randomCode(2, r);
    const kept = stored.map((c, i) => ({ seq: i + 1, d: popcount(q, c) })).filter((x) => ![3, 7, 40].includes(x.seq));
    kept.sort((a, b) => a.d - b.d || a.seq - b.seq);
    expect(codes.scan(vectorOf(q), NO_FILTER).nearest(100).seqs).toEqual(kept.map((x) => x.seq));
  });

  it('refuses code sizes it cannot hold and codes or queries of another size', () => {
    expect(() => new BinaryCodes(12)).toThrow(/not supported/);
    expect(() => new BinaryCodes(8200)).toThrow(/not supported/);
    const codes = new BinaryCodes(16);
    expect(() => codes.appendCode(1, 0, 0, 0, new Uint8Array(3))).toThrow(/3 bytes/);
    expect(() => codes.appendVector(1, 0, 0, 0, new Float32Array(8))).toThrow(/8 dimensions/);
    expect(() => codes.scan(new Float32Array(24), NO_FILTER)).toThrow(/24 dimensions/);
  });
});
