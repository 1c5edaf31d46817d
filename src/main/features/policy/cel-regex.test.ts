// matches(): a pattern anchored at both ends of its top level is run as a whole-text match
// (cel.ts searcher); every other pattern as RE2's unanchored search. The two must never answer
// differently from the plain search, whatever the pattern: checked on a table of shapes and on
// random patterns and texts, through CEL itself (library and fast path).
import { RE2JS } from '@bufbuild/re2';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anchoredBothEnds, compileCel, runCel } from './cel';

describe('anchoredBothEnds', () => {
  it.each([
    ['^sha256:[0-9a-f]{64}$', true],
    ['^$', true],
    ['^RPT-[0-9]{4}-[0-9]+$', true],
    ['^(a|b)$', true],
    ['^[|]$', true],
    ['^[]|]$', true],
    ['^a\\\\$', true], // a literal backslash, then the end anchor
    ['^\\($', true],
    ['^a|b$', false], // (^a)|(b$): an alternation at the top level
    ['^a\\$', false], // a literal $, no end anchor
    ['^[a$]', false],
    ['(?m)^a$', false],
    ['^(?m:a)$', false],
    ['^\\Qa|b\\E$', false],
    ['^[[:alpha:]]$', false],
    ['a$', false],
    ['^a', false],
    ['^*a$', false],
    ['^?a$', false],
    ['(^a)$', false],
    ['^a)(b$', false],
    ['$', false],
  ])('%s → %s', (pattern, expected) => {
    expect(anchoredBothEnds(pattern)).toBe(expected);
  });
});

/** CEL `t.matches(p)`, through compileCel (the fast path answers where it can). */
function celMatches(text: string, pattern: string): { ok: boolean; value?: unknown; error?: string } {
  const c = compileCel('t.matches(p)');
  if (!c.ok) throw new Error(c.reason);
  const r = runCel(c.expr, { t: text, p: pattern });
  return r.ok ? { ok: true, value: r.value } : { ok: false, error: r.error };
}

const atom = fc.constantFrom('a', 'b', '.', '\\d', '[ab]', '[^a]', '\\b', '^', '$', '\\$', '\\\\', '\\n', '[|]', '[]a]', 'x*', 'a+', 'b?', 'a{2}');
const piece: fc.Arbitrary<string> = fc.letrec<{ p: string }>((tie) => ({
  p: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc.tuple(tie('p'), tie('p')).map(([x, y]) => x + y),
    fc.tuple(tie('p'), tie('p')).map(([x, y]) => `(${x}|${y})`),
    fc.tuple(tie('p'), tie('p')).map(([x, y]) => `${x}|${y}`),
    tie('p').map((x) => `(${x})*`),
  ),
})).p;
/** Patterns: half of them wrapped in ^…$ (the shape the whole-text match takes). */
const pattern = fc.oneof(
  piece,
  piece.map((p) => `^${p}$`),
);
const text = fc.array(fc.constantFrom('a', 'b', '1', '\n', '$', '\\', '|', 'x'), { maxLength: 8 }).map((cs) => cs.join(''));

describe('matches() with the whole-text match', () => {
  it('answers as RE2s unanchored search for random patterns and texts', () => {
    fc.assert(
      fc.property(pattern, fc.array(text, { minLength: 1, maxLength: 6 }), (p, texts) => {
        let re: RE2JS;
        try {
          re = RE2JS.compile(p);
        } catch {
          return; // not a pattern RE2 accepts: CEL reports the error (another test)
        }
        for (const t of texts) expect(celMatches(t, p), `${JSON.stringify(p)} on ${JSON.stringify(t)}`).toEqual({ ok: true, value: re.test(t) });
      }),
      { numRuns: 2000 },
    );
  });

  it('takes the whole-text match for anchored shapes the generator makes', () => {
    // Guards the property above against testing only the old path.
    const anchored = fc.sample(pattern, { numRuns: 500, seed: 7 }).filter(anchoredBothEnds);
    expect(anchored.length).toBeGreaterThan(100);
  });

  it('the shipped hash pattern: match, near misses, and a hash inside longer text', () => {
    const p = '^sha256:[0-9a-f]{64}$';
    const hash = 'sha256:' + 'ab12'.repeat(16);
    expect(celMatches(hash, p).value).toBe(true);
    expect(celMatches(hash + '0', p).value).toBe(false);
    expect(celMatches(hash.slice(0, -1), p).value).toBe(false);
    expect(celMatches('x' + hash, p).value).toBe(false);
    expect(celMatches(hash + '\n', p).value).toBe(false); // $ is end of text, not end of line
    expect(celMatches(hash.toUpperCase(), p).value).toBe(false);
  });

  it('a pattern RE2 refuses is an error, as before', () => {
    const r = celMatches('a', '^(a$');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/missing|paren|\(/i);
  });
});
