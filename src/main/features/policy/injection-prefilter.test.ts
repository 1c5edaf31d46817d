// The rules' pre-check must never skip a rule that would match: checked over both corpora (every
// text, its normalised form and its variants), and on hand-made edge cases.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { RULES } from './injection-rules';
import { normalizeText } from './injection';
import { AnchorCache, indexWords, mayMatch, prefilterOf } from './injection-prefilter';
import { base64Runs, hasLeetWord, maybeSpaced } from './injection-normalize';
import fc from 'fast-check';

const LEET_WORD_RE = /\p{L}[0134579@$]+\p{L}|(?<![\p{L}\p{N}])[0134579@$]\p{L}{3,}/u;
const SPACED_RE = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){2,}\p{L}(?![\p{L}\p{N}])/u;
/** Strings over the characters the checks care about: letters of several scripts (one astral), digits, leet and spacer characters. */
const tricky = fc.string({ unit: fc.constantFrom(...'ab zé1@$0-_*.7Ж٣𝒜\u0301x'.split(/(?:)/u)), maxLength: 24 });

const corpus = (file: string): string[] =>
  readFileSync(new URL(`../../../../bench/corpus/${file}`, import.meta.url), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => (JSON.parse(l) as { text: string }).text);

const ruleTriggers = (re: RegExp) => prefilterOf(re).triggers;
const anchorOf = (re: RegExp) => prefilterOf(re).anchor;
const TRIGGERS = RULES.map((r) => ruleTriggers(r.re));
const ANCHORS = RULES.map((r) => anchorOf(r.re));

/** Texts where a rule matched although the pre-check said it could not, or where the anchored run found another match. */
function missed(texts: readonly string[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    const n = normalizeText(t);
    for (const v of [n.base, ...n.variants.map((x) => x.text)]) {
      indexWords(v);
      const cache = new AnchorCache(v);
      RULES.forEach((r, i) => {
        const m = r.re.exec(v);
        if (!mayMatch(TRIGGERS[i]!) && m) out.push(`${r.id}: ${v.slice(0, 80)}`);
        const a = ANCHORS[i] ? cache.exec(ANCHORS[i]!) : m;
        if (m?.index !== a?.index || m?.[0] !== a?.[0]) out.push(`${r.id} anchored: ${v.slice(0, 80)}`);
      });
    }
  }
  return out;
}

describe('injection rule pre-check', () => {
  it('most rules get triggers and anchors; a rule without a leading word group always runs over the whole text', () => {
    expect(TRIGGERS.filter(Boolean).length).toBeGreaterThan(RULES.length / 2);
    expect(ANCHORS.filter(Boolean).length).toBeGreaterThan(RULES.length / 2);
    expect(anchorOf(/^system:/u)).toBeNull();
    expect(ruleTriggers(/(?:^|\n)\s*system:/u)).toBeNull();
    expect(ruleTriggers(/ignore/iu)).toBeNull();
  });

  it('reads literal beginnings, stopping at quantifiers, classes and groups', () => {
    const t = ruleTriggers(new RegExp('(?<![a-z0-9_\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff])(?:ignor(?:e|ing)|colou?r|ab+c)', 'u'))!;
    expect(t).toHaveLength(1);
    expect(t[0]).toHaveLength(3);
    indexWords('the colors');
    expect(mayMatch(t)).toBe(true); // "col" from colou?r
    indexWords('an abbc here');
    expect(mayMatch(t)).toBe(true);
    indexWords('nothing to see, signore');
    expect(mayMatch(t)).toBe(false); // "ign" only inside a word
    expect(mayMatch(null)).toBe(true);
    expect(ruleTriggers(new RegExp('(?<![a-z0-9_\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff])(?:ignore|[xy]z)', 'u'))).toBeNull();
  });

  it('needs every top-level word group; an optional group or a top-level alternation needs nothing', () => {
    const B = '(?<![a-z0-9_\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff])';
    const two = ruleTriggers(new RegExp(`${B}(?:ignore|forget) +(?:all )?${B}(?:rules|orders)`, 'u'))!;
    expect(two).toHaveLength(2);
    indexWords('please ignore the noise');
    expect(mayMatch(two)).toBe(false);
    indexWords('please ignore the orders');
    expect(mayMatch(two)).toBe(true);
    expect(ruleTriggers(new RegExp(`${B}(?:ignore)?${B}(?:rules)`, 'u'))).toHaveLength(1);
    expect(ruleTriggers(new RegExp(`${B}(?:ignore)|${B}(?:rules)`, 'u'))).toBeNull();
  });

  it('never skips a rule that matches, and anchored runs find the same leftmost match, over the rule corpus and the multilingual one', () => {
    const ml = corpus('injection-ml.jsonl');
    expect(missed([...corpus('injection.jsonl'), ...ml])).toEqual([]);
  }, 60_000);

  it('the leetspeak and letter-spacing pre-checks agree with the patterns they stand for', () => {
    const texts = [...corpus('injection.jsonl'), ...corpus('injection-ml.jsonl').filter((_, i) => i % 3 === 0)].map((t) => normalizeText(t).base);
    for (const t of texts) {
      expect(hasLeetWord(t), t).toBe(LEET_WORD_RE.test(t));
      if (SPACED_RE.test(t.replace(/ {2,}/g, '\u0001'))) expect(maybeSpaced(t), t).toBe(true);
    }
    fc.assert(
      fc.property(tricky, (t) => {
        expect(hasLeetWord(t)).toBe(LEET_WORD_RE.test(t));
        if (SPACED_RE.test(t.replace(/ {2,}/g, '\u0001'))) expect(maybeSpaced(t)).toBe(true);
      }),
      { numRuns: 20_000, seed: 7 },
    );
    // Most field notes need neither variant.
    expect(texts.filter((t) => maybeSpaced(t)).length).toBeLessThan(texts.length / 4);
  }, 60_000);

  it('the blob finder returns what /[A-Za-z0-9+/_-]{16,}={0,2}/g matches', () => {
    const ref = (t: string): string[] => [...t.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)].map((m) => m[0]);
    const blobby = fc.string({ unit: fc.constantFrom('a', 'Z', '9', '+', '/', '_', '-', '=', ' ', 'é', '.'), maxLength: 60 });
    fc.assert(
      fc.property(blobby, (t) => {
        expect(base64Runs(t)).toEqual(ref(t));
      }),
      { numRuns: 20_000, seed: 11 },
    );
    for (const t of corpus('injection.jsonl')) expect(base64Runs(t)).toEqual(ref(t));
  });
});
