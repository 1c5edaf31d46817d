// The embedding fallback when no embedding model is installed: hashed character n-grams.
//
// Text is NFKC-normalised and lowercased; each word (a run of letters, marks and digits) is wrapped
// in boundary markers (` word `) and its character 3-, 4- and 5-grams (UTF-16 code units) are
// hashed with 32-bit FNV-1a into `dimension` buckets, each adding +1 or −1 (the sign is a bit of
// the hash, so collisions cancel out on average instead of piling up). The vector is
// L2-normalised. Same text, same vector, on every machine and version of this file: the id names
// the scheme, and changing the scheme means a new id (stored vectors say which id made them).
//
// A text without any word (empty, only punctuation) gets the vector of a fixed marker feature, so
// every vector has unit length and all such texts are alike.
//
// Similar spellings share n-grams (inspection/inspections, säkerhet/säkerheten), so it finds
// near-duplicates and shared vocabulary across sv/fr/de/es/en; it knows nothing of meaning.
import type { Embedder } from './types';

export const HASHED_NGRAM_ID = 'hashed-ngram@1';
export const HASHED_NGRAM_MIN = 3;
export const HASHED_NGRAM_MAX = 5;

const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
const SPACE = 0x20;
/** embed() yields to the event loop after this long. */
const YIELD_EVERY_MS = 8;

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
const EMPTY_MARKER = '\u0000empty\u0000';

/** Add the signed n-gram features of one word (without markers) into `v`. */
function addWord(v: Float32Array, word: string): void {
  const dim = v.length;
  // Code units of ` word `: read with the markers as virtual positions (no string building).
  const len = word.length + 2;
  const at = (i: number): number => (i === 0 || i === len - 1 ? SPACE : word.charCodeAt(i - 1));
  for (let start = 0; start + HASHED_NGRAM_MIN <= len; start++) {
    let h = FNV_OFFSET;
    const end = Math.min(len, start + HASHED_NGRAM_MAX);
    for (let i = start; i < end; i++) {
      h = Math.imul(h ^ at(i), FNV_PRIME);
      const n = i - start + 1;
      if (n >= HASHED_NGRAM_MIN) {
        // Mix the length in, so `abc` inside a 3-gram and the prefix of a 4-gram differ.
        const x = Math.imul(h ^ n, FNV_PRIME) >>> 0;
        v[x % dim] = v[x % dim]! + (x & 0x80000000 ? -1 : 1);
      }
    }
  }
}

/** The hashed n-gram vector of one text (L2-normalised, length `dimension`). */
export function hashedNgramVector(text: string, dimension = 384): Float32Array {
  const v = new Float32Array(dimension);
  const norm = text.normalize('NFKC').toLowerCase();
  let words = 0;
  for (const m of norm.matchAll(WORD)) {
    addWord(v, m[0]);
    words++;
  }
  if (words === 0) addWord(v, EMPTY_MARKER);
  let ss = 0;
  for (let i = 0; i < dimension; i++) ss += v[i]! * v[i]!;
  if (ss === 0) {
    // Every feature cancelled out (possible only in tiny dimensions): fall back to the first axis.
    v[0] = 1;
    return v;
  }
  const inv = 1 / Math.sqrt(ss);
  for (let i = 0; i < dimension; i++) v[i] = v[i]! * inv;
  return v;
}

export interface HashedNgramEmbedder extends Embedder {
  /** The same vectors, synchronously (for small inputs on hot paths). */
  embedSync(texts: readonly string[]): Float32Array[];
}

/** The fallback embedder (`hashed-ngram@1`). */
export function hashedNgramEmbedder(dimension = 384): HashedNgramEmbedder {
  if (!Number.isInteger(dimension) || dimension < 1) throw new Error(`hashed-ngram dimension must be a positive integer (got ${dimension})`);
  return {
    id: HASHED_NGRAM_ID,
    dimension,
    inline: true,
    embedSync: (texts) => texts.map((t) => hashedNgramVector(t, dimension)),
    async embed(texts) {
      const out: Float32Array[] = new Array<Float32Array>(texts.length);
      // Bulk embedding yields now and then, so it never holds the event loop for long.
      let slice = performance.now();
      for (let i = 0; i < texts.length; i++) {
        if ((i & 63) === 0 && performance.now() - slice > YIELD_EVERY_MS) {
          await new Promise<void>((r) => setImmediate(r));
          slice = performance.now();
        }
        out[i] = hashedNgramVector(texts[i]!, dimension);
      }
      return out;
    },
  };
}
