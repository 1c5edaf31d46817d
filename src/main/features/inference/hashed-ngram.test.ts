import { describe, expect, it } from 'vitest';
import { HASHED_NGRAM_ID, hashedNgramEmbedder, hashedNgramVector } from './hashed-ngram';

const norm = (v: Float32Array) => Math.sqrt(v.reduce((a, x) => a + x * x, 0));
const cos = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

describe('hashed n-gram embedder (the no-model fallback)', () => {
  it('has its id and dimension, and embeds unit vectors in order', async () => {
    const e = hashedNgramEmbedder();
    expect(e.id).toBe(HASHED_NGRAM_ID);
    expect(e.id).toBe('hashed-ngram@1');
    expect(e.dimension).toBe(384);
    const texts = ['Water leak in the stairwell', 'Vattenläcka i trapphuset', '', '!!!', 'x'];
    const vs = await e.embed(texts);
    expect(vs).toHaveLength(texts.length);
    vs.forEach((v, i) => {
      expect(v.length).toBe(384);
      expect(Math.abs(norm(v) - 1)).toBeLessThan(1e-6);
      expect(Array.from(v)).toEqual(Array.from(hashedNgramVector(texts[i]!)));
    });
    expect(hashedNgramEmbedder(64).dimension).toBe(64);
    expect(() => hashedNgramEmbedder(0)).toThrow(/positive integer/);
  });

  it('is deterministic, and pinned: the same text gives the same bytes on every machine', () => {
    const a = hashedNgramVector('Crack in the concrete wall, floor 3', 16);
    expect(Array.from(a)).toEqual(Array.from(hashedNgramVector('Crack in the concrete wall, floor 3', 16)));
    // Stored vectors say `hashed-ngram@1`: a change to the scheme must change the id, not these bytes.
    expect(Buffer.from(a.buffer).toString('hex')).toMatchInlineSnapshot(
      `"4d96b73e67c8f4bd67c874be67c8f4bd67c8f4bd67c874be67c8f43d67c8743e67c8f43d67c874be67c8f4bd4d96b73e4d96b73e67c8f4be67c874be67c8f43d"`,
    );
  });

  it('normalises: NFKC and case do not matter, punctuation only separates words', () => {
    const base = hashedNgramVector('Café Straße ﬁre');
    expect(cos(base, hashedNgramVector('CAFÉ STRASSE fire'))).toBeLessThan(0.999); // ß is not ss (NFKC keeps it)
    expect(Array.from(hashedNgramVector('café straße fire'))).toEqual(Array.from(base)); // ﬁ → fi, É → é
    expect(Array.from(hashedNgramVector('Cafe\u0301 straße, fire!'))).toEqual(Array.from(base)); // e + combining acute → é
  });

  it('similar spellings are close, unrelated texts far, word order barely matters', () => {
    const a = hashedNgramVector('inspection of the roof leak');
    expect(cos(a, hashedNgramVector('inspections of the roof leaks'))).toBeGreaterThan(0.6);
    expect(cos(a, hashedNgramVector('the roof leak inspection of'))).toBeGreaterThan(0.99);
    expect(cos(a, hashedNgramVector('frozen specimen temperature log'))).toBeLessThan(0.3);
    expect(cos(hashedNgramVector('säkerhetsrapport'), hashedNgramVector('säkerhetsrapporten'))).toBeGreaterThan(0.8);
  });

  it('texts without words all get the same unit vector', () => {
    const e = hashedNgramVector('');
    expect(Math.abs(norm(e) - 1)).toBeLessThan(1e-6);
    expect(Array.from(hashedNgramVector('  ...  '))).toEqual(Array.from(e));
    expect(cos(e, hashedNgramVector('leak'))).toBeLessThan(0.5);
  });

  it('is fast: at least 20,000 short texts a second', async () => {
    const e = hashedNgramEmbedder(384);
    const texts = Array.from({ length: 20_000 }, (_, i) => `Inspection ${i}: water leak near the north stairwell, floor ${i % 7}`);
    e.embedSync(texts.slice(0, 2000)); // warm up
    const t0 = performance.now();
    const vs = await e.embed(texts);
    const perSecond = texts.length / ((performance.now() - t0) / 1000);
    console.log(JSON.stringify({ figure: 'embedding.hashedNgram.test', texts: texts.length, textsPerSecond: Math.round(perSecond) }));
    expect(vs).toHaveLength(20_000);
    expect(perSecond).toBeGreaterThan(20_000);
  });
});
