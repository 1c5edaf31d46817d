// Normalisation and decoding of texts before the prompt-injection rules run (injection.ts).
import type { InjectionSignal } from '../../../shared/policy/types';

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
  let leetUsed = false;
  const leet = !LEET_WORD_RE.test(base)
    ? base
    : base.replace(/[\p{L}0-9@$]+/gu, (tok) => {
        if (LEET_WORD_RE.test(tok)) {
          leetUsed = true;
          return tok.replace(/[0134579@$]/g, (c) => LEET[c] ?? c);
        }
        return tok;
      });
  if (leetUsed) variants.push({ via: 'leet', text: leet });
  // Letter-spaced runs: "i g n o r e   a l l" (wider gaps separate words).
  const marked = base.replace(/ {2,}/g, '\u0001');
  const spacedRe = /(?<![\p{L}\p{N}])(?:\p{L}[ .\-_*]){2,}\p{L}(?![\p{L}\p{N}])/gu;
  let spaced = false;
  const despaced = marked.replace(spacedRe, (m) => {
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

/** Decoded blobs hidden in the text: base64 (std and url-safe), hex, %-encoding. */
export function decodeBlobs(cased: string): { via: 'base64' | 'hex' | 'url'; text: string }[] {
  const out: { via: 'base64' | 'hex' | 'url'; text: string }[] = [];
  for (const m of cased.matchAll(/[A-Za-z0-9+/_-]{16,}={0,2}/g)) {
    const tok = m[0];
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
