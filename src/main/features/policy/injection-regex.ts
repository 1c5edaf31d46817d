// Regex building blocks of the prompt-injection rules (injection.ts).

// Regex building blocks. Word characters are the scripts the lexicons cover (Latin with its
// accents, Greek, Cyrillic) plus digits: explicit ranges, much faster than \p{L} in V8, and \b is
// ASCII-only in JavaScript.
export const W = 'a-z0-9_\\u00c0-\\u024f\\u0370-\\u03ff\\u0400-\\u04ff';
export const B = `(?<![${W}])`;
export const E = `(?![${W}])`;
export const alt = (xs: readonly string[]): string => `(?:${xs.join('|')})`;
export const word = (xs: readonly string[]): string => `${B}${alt(xs)}${E}`;
/** Up to n words between two words, within one sentence. */
export const gap = (n: number): string => `[^${W}.!?\\n]+(?:[${W}'-]+[^${W}.!?\\n]+){0,${n}}`;
/** Words and gaps: seq(A, 2, B) = A, up to 2 words, B. */
export function seq(...parts: (readonly string[] | number | string)[]): string {
  return parts.map((p) => (typeof p === 'number' ? gap(p) : typeof p === 'string' ? p : word(p))).join('');
}
/** An inflection suffix (instead of \p{L}*). */
export const SUF = `[${W}]*`;
