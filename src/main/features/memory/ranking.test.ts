import { describe, expect, it } from 'vitest';
import { DEFAULT_FUSION, ftsMatchExpression, fuse, langCode, primaryTag, queryTerms, recencyFactor, RRF_K, TIER_WEIGHTS } from './ranking';
import { hammingRadius } from './vector-index';
import type { MemoryTier } from '../../../shared/memory/types';

const DAY = 86_400_000;
const NOW = Date.parse('2026-11-01T00:00:00Z');

describe('fusion', () => {
  it('orders a hand-made set by RRF × tier weight × recency', () => {
    const info = new Map<number, { tier: MemoryTier; createdMs: number }>([
      [1, { tier: 'semantic', createdMs: NOW }], // first in both lists
      [2, { tier: 'semantic', createdMs: NOW }], // second in vectors only
      [3, { tier: 'core', createdMs: NOW - 400 * DAY }], // third in text only, but core and never decays
      [4, { tier: 'working', createdMs: NOW }], // first in text only, working
      [5, { tier: 'episodic', createdMs: NOW - 60 * DAY }], // second in text, old episodic
    ]);
    const out = fuse([1, 2], [4, 5, 1, 3], info, NOW);
    const rrf = (r: number) => 1 / (RRF_K + r);
    const expected = new Map([
      [1, (rrf(1) + rrf(3)) * 1.0],
      [2, rrf(2) * 1.0],
      [3, rrf(4) * 1.3],
      [4, rrf(1) * 0.8],
      [5, rrf(2) * 0.9 * (0.5 + 0.5 * 0.25)],
    ]);
    for (const f of out) expect(f.score).toBeCloseTo(expected.get(f.seq)!, 12);
    expect(out.map((f) => f.seq)).toEqual([1, 3, 2, 4, 5]);
    expect(out[0]).toMatchObject({ vectorRank: 1, textRank: 3 });
    expect(out.find((f) => f.seq === 4)).toMatchObject({ vectorRank: null, textRank: 1 });
  });

  it('drops seqs without info (deleted, expired, filtered) and counts a seq once per list', () => {
    const info = new Map([[7, { tier: 'semantic' as const, createdMs: NOW }]]);
    const out = fuse([9, 7, 7], [8], info, NOW);
    expect(out).toEqual([{ seq: 7, score: 1 / (RRF_K + 2), vectorRank: 2, textRank: null }]);
  });

  it('decays with a 30-day half-life to a floor of 0.5; core is exempt', () => {
    expect(recencyFactor('semantic', 0)).toBe(1);
    expect(recencyFactor('semantic', 30 * DAY)).toBeCloseTo(0.75, 12);
    expect(recencyFactor('semantic', 3650 * DAY)).toBeCloseTo(0.5, 6);
    expect(recencyFactor('core', 3650 * DAY)).toBe(1);
    expect(recencyFactor('working', -5)).toBe(1);
    expect(TIER_WEIGHTS).toEqual({ core: 1.3, procedural: 1.1, semantic: 1.0, episodic: 0.9, working: 0.8 });
    expect(DEFAULT_FUSION.rrfK).toBe(60);
  });
});

describe('full-text query', () => {
  it('quotes each distinct word and ORs them; nothing of the input is FTS syntax', () => {
    expect(ftsMatchExpression(queryTerms('Pump PRESSURE pump, "valve"*'))).toBe('"pump" OR "pressure" OR "valve"');
    for (const hostile of ['text: NEAR(a b)', 'a AND b OR NOT c', '^start* "unbalanced', "'); DROP TABLE memory_items; --", '{text}: x']) {
      const expr = ftsMatchExpression(queryTerms(hostile));
      expect(expr).not.toBeNull();
      for (const part of expr!.split(' OR ')) expect(part).toMatch(/^"[\p{L}\p{M}\p{N}]+"$/u);
    }
    expect(ftsMatchExpression(queryTerms('?!  …'))).toBeNull();
    expect(queryTerms('Säkerhet och säkerheten')).toEqual(['säkerhet', 'och', 'säkerheten']);
    expect(queryTerms(Array.from({ length: 100 }, (_, i) => `w${i}`).join(' '))).toHaveLength(32);
  });
});

describe('locale keys', () => {
  it('takes the primary subtag and packs it into an integer', () => {
    expect(primaryTag('sv-SE')).toBe('sv');
    expect(primaryTag('FR-ca')).toBe('fr');
    expect(langCode('en')).not.toBe(langCode('eng'));
    expect(new Set(['en', 'sv', 'fr', 'de', 'es', 'fi', 'no', 'da', 'und'].map(langCode)).size).toBe(9);
  });
});

describe('hamming radius', () => {
  it('grows as similarity falls and stops 2σ below the distance of unrelated vectors', () => {
    expect(hammingRadius(1, 384, 2)).toBe(0);
    expect(hammingRadius(0.5, 384, 2)).toBeGreaterThan(128);
    expect(hammingRadius(0.5, 384, 2)).toBeLessThan(150);
    expect(hammingRadius(0, 384, 2)).toBe(172);
    expect(hammingRadius(-1, 384, 2)).toBe(hammingRadius(0, 384, 2));
  });
});
