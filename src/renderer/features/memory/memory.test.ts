import { describe, expect, it } from 'vitest';
import { initI18n } from '../../i18n';
import { ADDABLE_TIERS, EMPTY_FILTERS, armText, buildQuery, isLocale, loadPercent, matchedBy, parseRefs, rank, score, snippet } from './memory';

initI18n('en');

describe('memory screen helpers', () => {
  it('builds the search query from the form', () => {
    expect(buildQuery(EMPTY_FILTERS)).toEqual({ problem: 'empty' });
    expect(buildQuery({ ...EMPTY_FILTERS, text: '   ' })).toEqual({ problem: 'empty' });
    expect(buildQuery({ ...EMPTY_FILTERS, text: ' pump ' })).toEqual({ query: { text: 'pump', limit: 20 } });
    expect(buildQuery({ ...EMPTY_FILTERS, text: 'pump', locale: 'english!' })).toEqual({ problem: 'locale' });
    expect(buildQuery({ ...EMPTY_FILTERS, text: 'pump', from: '2026-03-02', to: '2026-03-01' })).toEqual({ problem: 'range' });
    const r = buildQuery({ text: 'pump', tiers: ['semantic', 'core'], locale: 'fr-CA', from: '2026-03-01', to: '2026-03-02' }, 5);
    expect(r).toEqual({
      query: {
        text: 'pump',
        limit: 5,
        tiers: ['core', 'semantic'],
        locale: 'fr-CA',
        from: new Date('2026-03-01T00:00:00.000').toISOString(),
        to: new Date('2026-03-02T23:59:59.999').toISOString(),
      },
    });
    // Every tier ticked: no tier filter at all.
    const all = buildQuery({ ...EMPTY_FILTERS, text: 'x', tiers: ['core', 'working', 'episodic', 'semantic', 'procedural'] });
    expect(all).toEqual({ query: { text: 'x', limit: 20 } });
    expect(buildQuery({ ...EMPTY_FILTERS, text: 'y'.repeat(3000) })).toMatchObject({ query: { text: 'y'.repeat(2000) } });
  });

  it('accepts language tags only', () => {
    for (const ok of ['en', 'sv', 'fr-CA', 'zh-Hant-TW']) expect(isLocale(ok)).toBe(true);
    for (const bad of ['', 'e', 'en_US', 'english!', 'en-']) expect(isLocale(bad)).toBe(false);
  });

  it('formats scores, ranks and snippets', () => {
    expect(score(0.016393)).toBe('0.016');
    expect(score(1)).toBe('1.000');
    expect(score(Number.NaN)).toBe('—');
    expect(rank(null)).toBe('—');
    expect(rank(3)).toBe('#3');
    expect([matchedBy(1, 2), matchedBy(null, 1), matchedBy(4, null)]).toEqual(['Matches your words and meaning', 'Matches your words', 'Similar in meaning']);
    expect(snippet('a\n\n b  c')).toBe('a b c');
    const long = 'word '.repeat(100);
    const s = snippet(long, 50);
    expect(s.length).toBeLessThanOrEqual(51);
    expect(s.endsWith('word…')).toBe(true);
  });

  it('says which arm serves a model slot, in words', () => {
    expect(armText({ arm: 'fallback', id: 'extractive@1' })).toBe('Fallback: extractive summariser');
    expect(armText({ arm: 'fallback', id: 'hashed-ngram@1' })).toBe('Fallback: hashed n-gram embedding');
    expect(armText({ arm: 'fallback', id: 'other@2' })).toBe('Fallback: other');
    expect(armText({ arm: 'model', id: 'model.text@1.0.0' })).toBe('Model: model.text@1.0.0');
  });

  it('clamps load progress and parses source refs; working memory is not addable', () => {
    expect(loadPercent(null)).toBeNull();
    expect(loadPercent(0.426)).toBe(43);
    expect(loadPercent(1.4)).toBe(100);
    expect(parseRefs(' record:1, run:2\nrecord:1 ')).toEqual(['record:1', 'run:2']);
    expect(ADDABLE_TIERS).toEqual(['core', 'episodic', 'semantic', 'procedural']);
  });
});
