import { describe, expect, it } from 'vitest';
import { compareRuns, DEFAULT_NOISE_PCT, formatComparison, parseRun } from './compare';

const run = (figures: Record<string, number | null>, extra = ''): string =>
  extra +
  Object.entries(figures)
    .map(([name, value]) => JSON.stringify({ name, value, unit: 'x', ref: null, refName: null }))
    .join('\n');

describe('bench compare', () => {
  it('reads a saved run, leaving out npm banner lines, error lines and skipped figures', () => {
    const text = run({ 'a.rate': 100, 'a.p99': 1.5 }, '\n> maestro@0.1.0 bench\n> node --expose-gc --import tsx bench/run.ts\n\n');
    const more = [
      JSON.stringify({ name: 'audit.', value: null, error: 'chain not valid' }),
      JSON.stringify({ name: 'sync.cluster.ingest', value: null, skipped: 'PostgreSQL not available' }),
      '{ not json',
    ].join('\n');
    expect([...parseRun(`${text}\n${more}\n`)]).toEqual([
      ['a.rate', 100],
      ['a.p99', 1.5],
    ]);
  });

  it('one saved run: significant only beyond the default band', () => {
    const saved = [parseRun(run({ a: 100, b: 100, c: 0, d: 5 }))];
    const now = new Map([
      ['a', 100 + DEFAULT_NOISE_PCT - 1],
      ['b', 100 - DEFAULT_NOISE_PCT - 1],
      ['c', 0],
      ['new.one', 7],
    ]);
    const rows = compareRuns(now, saved);
    expect(rows.map((r) => [r.name, r.baseline, r.significant, r.noiseFrom])).toEqual([
      ['a', 100, false, 'default'],
      ['b', 100, true, 'default'],
      ['c', 0, false, 'default'],
      ['new.one', null, false, null],
    ]);
    expect(rows[0]!.changePct).toBeCloseTo(DEFAULT_NOISE_PCT - 1);
    expect(rows[2]!.changePct).toBeNull();
    // A narrower band from --noise flags the same change.
    expect(compareRuns(new Map([['a', 110]]), saved, 5)[0]!.significant).toBe(true);
  });

  it('three saved runs: median baseline, noise = their spread', () => {
    const saved = [run({ lat: 1.1, rate: 70, exact: 3 }), run({ lat: 1.4, rate: 79, exact: 3 }), run({ lat: 1.2, rate: 67 })].map((t) => parseRun(t));
    const rows = compareRuns(
      new Map([
        ['lat', 1.45], // median 1.2, spread 0.3: +0.25 is inside
        ['rate', 81], // median 70, spread 12: +11 is inside
        ['exact', 4], // only two runs have it: the default band (±20 % of 3 = 0.6) applies
      ]),
      saved,
    );
    expect(rows.map((r) => [r.name, r.baseline, r.significant, r.noiseFrom])).toEqual([
      ['lat', 1.2, false, 'runs'],
      ['rate', 70, false, 'runs'],
      ['exact', 3, true, 'default'],
    ]);
    expect(rows[0]!.noise).toBeCloseTo(0.3);
    expect(compareRuns(new Map([['lat', 1.6]]), saved)[0]!.significant).toBe(true);
    expect(compareRuns(new Map([['rate', 57]]), saved)[0]!.significant).toBe(true);
    // Three identical runs: no noise, so any change counts, none does not.
    const same = [1, 2, 3].map(() => parseRun(run({ n: 3000 })));
    expect(compareRuns(new Map([['n', 3000]]), same)[0]!.significant).toBe(false);
    expect(compareRuns(new Map([['n', 3001]]), same)[0]!.significant).toBe(true);
  });

  it('prints each figure beside the saved value, with the change, the band and a mark', () => {
    const saved = [parseRun(run({ 'api.roundtrip.p99': 1.2, 'risk.calc': 3_300_000, gone: 1 }))];
    const rows = compareRuns(
      new Map([
        ['api.roundtrip.p99', 0.6],
        ['risk.calc', 3_400_000],
        ['fresh', 2],
      ]),
      saved,
    );
    const text = formatComparison(rows, 1, ['gone']);
    const lines = text.split('\n');
    expect(lines[0]).toBe('bench compare: against one saved run');
    expect(lines[1]).toMatch(/^figure\s+now\s+saved\s+change\s+noise$/);
    expect(lines[2]).toMatch(/^api\.roundtrip\.p99\s+0\.6\s+1\.2\s+-50\.0 %\s+±20\.0 % \(default\)\s+SIGNIFICANT$/);
    expect(lines[3]).toMatch(/^risk\.calc\s+3400000\s+3300000\s+\+3\.0 %\s+±20\.0 % \(default\)$/);
    expect(lines[4]).toMatch(/^fresh\s+2\s+-\s+new$/);
    expect(lines.slice(5)).toEqual(['in the saved run(s) but not measured now: gone', '1 significant change(s) of 3 figure(s)']);
  });
});
