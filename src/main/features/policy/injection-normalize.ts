// Normalisation and decoding of texts before the prompt-injection rules run (injection.ts).
import type { InjectionSignal } from '../../../shared/policy/types';
import { emailSpans } from './injection-features';

// Normalisation
export const INVISIBLE_RE = /[\u00AD\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF]/g;
export const HOMOGLYPHS: Record<string, string> = {
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ѕ: 's',
  ԁ: 'd',
  ӏ: 'l',
  к: 'k',
  м: 'm',
  т: 't',
  н: 'h',
  в: 'b',
  α: 'a',
  ο: 'o',
  ε: 'e',
  ι: 'i',
  κ: 'k',
  ν: 'v',
  ρ: 'p',
  τ: 't',
  υ: 'u',
  χ: 'x',
  ϲ: 'c',
};
export const CONFUSABLE_RE = /[аеорсухіјѕԁӏкмтнвαοειкνρτυχϲ]/u;
/** A Latin letter next to a Greek or Cyrillic one: every word that mixes the scripts has such a seam. */
const MIXED_WORD_RE = /[a-z][\u0370-\u052f]|[\u0370-\u052f][a-z]/u;
/**
 * A leetspeak word: a look-alike digit (or @/$) between two letters ("ign0re"), or leading three or
 * more letters ("1gnore"). Field notes are full of letter+digit tokens that are not ("10cm", "PS7", "B2").
 */
const LEET_WORD_RE = /\p{L}[0134579@$]+\p{L}|(?<![\p{L}\p{N}])[0134579@$]\p{L}{3,}/u;

// Quick pre-checks: the same answers as LEET_WORD_RE.test() and "has a letter-spaced run", from one
// walk over the few candidate characters instead of a \p{L} test at every position.
const LETTER = 1;
const NUMBER = 2;
const CLASS = new Uint8Array(65536);
/** 1 letter, 2 number, 3 other: of the code point at i (surrogate pairs included). */
function classAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c >= 0xd800 && c <= 0xdfff) {
    const ch = String.fromCodePoint(s.codePointAt(i)!);
    return /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? NUMBER : 3;
  }
  let k = CLASS[c]!;
  if (k === 0) {
    const ch = String.fromCharCode(c);
    CLASS[c] = k = /\p{L}/u.test(ch) ? LETTER : /\p{N}/u.test(ch) ? NUMBER : 3;
  }
  return k;
}
/** The class of the code point that ends just before i (3 at the start). */
function classBefore(s: string, i: number): number {
  if (i <= 0) return 3;
  const c = s.charCodeAt(i - 1);
  return c >= 0xdc00 && c <= 0xdfff && i >= 2 ? classAt(s, i - 2) : classAt(s, i - 1);
}
/** The index after the code point at i. */
const nextIndex = (s: string, i: number): number => i + (s.codePointAt(i)! > 0xffff ? 2 : 1);
const LEET_CHAR = /[0134579@$]/g;
const isLeet = (c: number): boolean => c === 48 || c === 49 || c === 51 || c === 52 || c === 53 || c === 55 || c === 57 || c === 64 || c === 36;

/** LEET_WORD_RE.test(s), without scanning every position. */
export function hasLeetWord(s: string): boolean {
  LEET_CHAR.lastIndex = 0;
  for (let m = LEET_CHAR.exec(s); m; m = LEET_CHAR.exec(s)) {
    const i = m.index;
    const prev = classBefore(s, i);
    // A letter, a run of leet characters, a letter.
    if (prev === LETTER) {
      let j = i + 1;
      while (j < s.length && isLeet(s.charCodeAt(j))) j++;
      if (j < s.length && classAt(s, j) === LETTER) return true;
    }
    // Not after a letter or number: one leet character and three letters.
    if (prev !== LETTER && prev !== NUMBER) {
      let j = i + 1;
      let k = 0;
      while (k < 3 && j < s.length && classAt(s, j) === LETTER) {
        j = nextIndex(s, j);
        k++;
      }
      if (k === 3) return true;
    }
  }
  return false;
}

const SPACER = /[ .\-_*]/g;
/** Whether s may hold a letter-spaced run (a letter, a spacer, a letter, a spacer, a letter, not after a letter or number). */
export function maybeSpaced(s: string): boolean {
  SPACER.lastIndex = 0;
  for (let m = SPACER.exec(s); m; m = SPACER.exec(s)) {
    const i = m.index;
    // Cheapest test first: a spacer two units on (or three, after a letter outside the BMP).
    const c2 = s.charCodeAt(i + 2);
    if (!(c2 === 32 || c2 === 46 || c2 === 45 || c2 === 95 || c2 === 42) && !(s.charCodeAt(i + 1) >= 0xd800 && s.charCodeAt(i + 1) <= 0xdbff)) continue;
    if (i < 1 || classBefore(s, i) !== LETTER) continue;
    const a = i - (s.charCodeAt(i - 1) >= 0xdc00 && s.charCodeAt(i - 1) <= 0xdfff ? 2 : 1);
    if (classBefore(s, a) === LETTER || classBefore(s, a) === NUMBER) continue;
    if (i + 1 >= s.length || classAt(s, i + 1) !== LETTER) continue;
    const j = nextIndex(s, i + 1);
    if (j < s.length && /[ .\-_*]/.test(s[j]!)) return true;
  }
  return false;
}

export const LEET: Record<string, string> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's' };

export function foldQuotes(s: string): string {
  return s.replace(/[\u2018\u2019\u201A\u201B\u2032]/g, "'").replace(/[\u201C\u201D\u201E]/g, '"');
}

export interface NormalizedText {
  /** NFKC, invisible characters stripped, quotes folded, lowercase. */
  base: string;
  /** Before lowercasing (blob decoding needs case). */
  cased: string;
  variants: { via: NonNullable<InjectionSignal['via']>; text: string }[];
  cues: { zeroWidth: boolean; mixedScript: boolean; spaced: boolean };
}

const MASK = '\u0000';
/** base with the '@' of each e-mail address replaced by MASK (a separator that is no leet character). */
function maskEmailAts(base: string): string {
  let out = '';
  let done = 0;
  for (const [s, e] of emailSpans(base)) {
    const at = base.indexOf('@', s);
    if (at < 0 || at >= e) continue;
    out += base.slice(done, at) + MASK;
    done = at + 1;
  }
  return out + base.slice(done);
}
/** The masked '@'s put back (the leet folding keeps every position). */
function unmask(folded: string, base: string): string {
  return folded.includes(MASK) ? folded.replace(/\u0000/g, (_m, i: number) => base[i]!) : folded;
}

export function normalizeText(text: string): NormalizedText {
  const nfkc = text.normalize('NFKC');
  const zeroWidth = /[\u00AD\u200B-\u200D\u2060\uFEFF]/u.test(nfkc) && /[\p{L}\p{N}][\u00AD\u200B-\u200D\u2060\uFEFF]+[\p{L}\p{N}]/u.test(nfkc);
  const cased = foldQuotes(nfkc.replace(INVISIBLE_RE, ''));
  const base = cased.toLowerCase();
  const variants: NormalizedText['variants'] = [];
  let mixedScript = false;
  // The per-word passes run only when a quick scan finds a candidate word (most texts have none).
  const folded = !MIXED_WORD_RE.test(base)
    ? base
    : base.replace(/[\p{L}\p{M}]+/gu, (tok) => {
        if (/[a-z]/.test(tok) && CONFUSABLE_RE.test(tok)) {
          mixedScript = true;
          return [...tok].map((ch) => HOMOGLYPHS[ch] ?? ch).join('');
        }
        return tok;
      });
  if (mixedScript) variants.push({ via: 'homoglyph', text: folded });
  // The '@' of an e-mail address is not leetspeak: it is masked (same length) while looking for leet words.
  const masked = base.includes('@') ? maskEmailAts(base) : base;
  let leetUsed = false;
  const leet = !hasLeetWord(masked)
    ? base
    : unmask(
        masked.replace(/[\p{L}0-9@$]+/gu, (tok) => {
          if (LEET_WORD_RE.test(tok)) {
            leetUsed = true;
            return tok.replace(/[0134579@$]/g, (c) => LEET[c] ?? c);
          }
          return tok;
        }),
        base,
      );
  if (leetUsed) variants.push({ via: 'leet', text: leet });
  // Letter-spaced runs: "i g n o r e   a l l" (wider gaps separate words).
  let spaced = false;
  const despaced = !maybeSpaced(base)
    ? base
    : base.replace(/ {2,}/g, '\u0001').replace(/(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){2,}\p{L}(?![\p{L}\p{N}])/gu, (m) => {
        spaced = true;
        return m.replace(/[ .\-_*]/g, '');
      });
  if (spaced) variants.push({ via: 'spaced', text: despaced.replace(/\u0001/g, ' ') });
  return { base, cased, variants, cues: { zeroWidth, mixedScript, spaced } };
}

export const utf8 = new TextDecoder('utf-8', { fatal: true });

export function readable(bytes: Uint8Array): string | null {
  if (bytes.length < 8) return null;
  let s: string;
  try {
    s = utf8.decode(bytes);
  } catch {
    return null;
  }
  const chars = [...s];
  const ok = chars.filter((c) => /[\p{L}\p{N}\p{P}\p{Zs}\p{S}\n\t]/u.test(c)).length;
  const letters = chars.filter((c) => /\p{L}/u.test(c)).length;
  return ok / chars.length >= 0.95 && letters >= 4 && letters / chars.length >= 0.5 ? s : null;
}

const B64 = new Uint8Array(128).map((_, c) => (/[A-Za-z0-9+/_-]/.test(String.fromCharCode(c)) ? 1 : 0));
/** The matches of /[A-Za-z0-9+/_-]{16,}={0,2}/g: each maximal run of 16 or more such characters, with up to two '=' after it. */
export function base64Runs(s: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length;) {
    const c = s.charCodeAt(i);
    if (c >= 128 || !B64[c]) {
      i++;
      continue;
    }
    let j = i + 1;
    while (j < s.length && s.charCodeAt(j) < 128 && B64[s.charCodeAt(j)]) j++;
    if (j - i >= 16) {
      let e = j;
      while (e < s.length && e - j < 2 && s[e] === '=') e++;
      out.push(s.slice(i, e));
      i = e;
    } else i = j;
  }
  return out;
}

/** Decoded blobs hidden in the text: base64 (std and url-safe), hex, %-encoding. */
export function decodeBlobs(cased: string): { via: 'base64' | 'hex' | 'url'; text: string }[] {
  const out: { via: 'base64' | 'hex' | 'url'; text: string }[] = [];
  for (const tok of base64Runs(cased)) {
    if (/^[0-9a-fA-F]+$/.test(tok) && tok.length % 2 === 0) {
      const s = readable(Buffer.from(tok, 'hex'));
      if (s) out.push({ via: 'hex', text: s });
      continue;
    }
    const s = readable(Buffer.from(tok.replace(/-/g, '+').replace(/_/g, '/'), 'base64'));
    if (s) out.push({ via: 'base64', text: s });
  }
  for (const m of cased.matchAll(/(?:%[0-9a-fA-F]{2}){4,}/g)) {
    try {
      const s = decodeURIComponent(m[0]);
      if (/\p{L}{3}/u.test(s)) out.push({ via: 'url', text: s });
    } catch {
      // not valid %-encoded UTF-8: not a blob
    }
  }
  return out;
}
