// The features of the injection classifier (injection-classifier.ts), shared with its trainer
// (scripts/injection/train.ts) so training and detection see exactly the same numbers.
//
// A text is folded (NFKC; links, web addresses and e-mail addresses each become one placeholder
// word, the same in every language; lowercase, diacritics of Latin letters dropped, digits → 0, whitespace collapsed)
// and hashed into 2^bits buckets: character n-grams of 2 to 5 code units (they carry meaning across
// languages with and without spaces, inflections and typos) plus word unigrams and bigrams. Counts
// are damped (1 + ln n) and the vector is scaled to unit length, so a long text does not outweigh a
// short one. A text is scored window by window (maxMargin()): each sentence, and each pair of adjacent
// sentences, so an injection inside a long benign note is not diluted by it.

const FNV_PRIME = 16777619;
const CHAR_SEED = 2166136261;
const WORD_SEED = 0x811c9dc5 ^ 0x5bd1e995;
const MIN_N = 2;
const MAX_N = 5;
/** A sentence longer than this is cut into pieces of this many code units. */
const MAX_SENTENCE = 320;
/** At most this many windows per text (a 4 KiB text has about 30 sentences). */
const MAX_WINDOWS = 400;

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** The folded form every feature is taken from. */
export function foldText(text: string): string {
  let t = text.normalize('NFKC');
  // Each pattern only where its marker occurs: scanning a long unspaced (CJK) text for them is not free.
  if (t.includes('](')) t = t.replace(/!?\[[^\]]*\]\(\s*[^)\s]+\s*\)/gu, ' linkx ');
  if (t.includes('://') || /www\./iu.test(t)) t = t.replace(/\b(?:https?|ftp):\/\/\S+|\bwww\.\S+/giu, ' urlx ');
  if (t.includes('@')) t = foldEmails(t);
  return foldUnits(t.toLowerCase());
}

const EMAIL = /[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63})*\.\p{L}{2,}/uy;

/**
 * The e-mail addresses in t as [start, end) spans: the same matches as EMAIL run globally, but
 * only tried at the starts that can reach an '@' (at most 64 units before it), not at every position.
 */
export function emailSpans(t: string): [number, number][] {
  const out: [number, number][] = [];
  let done = 0; // no match starts before it
  let from = 0;
  for (let at = t.indexOf('@'); at >= 0; at = t.indexOf('@', Math.max(at + 1, done))) {
    for (let s = Math.max(done, from, at - 64); s < at; s++) {
      EMAIL.lastIndex = s;
      const m = EMAIL.exec(t);
      if (!m) continue;
      out.push([s, s + m[0].length]);
      done = s + m[0].length;
      break;
    }
    from = at + 1;
  }
  return out;
}

/** Every e-mail address → ' emailx '. */
function foldEmails(t: string): string {
  let out = '';
  let done = 0;
  for (const [s, e] of emailSpans(t)) {
    out += `${t.slice(done, s)} emailx `;
    done = e;
  }
  return out + t.slice(done);
}

// One pass over the lowercased text, code unit by code unit: diacritics of Latin letters dropped
// (é → e, ệ → e: what NFD splits off), lone combining marks, zero-width and bidi marks dropped,
// curly quotes folded, every decimal digit → 0, each run of whitespace → one space, trimmed.
// FOLD[c]: 0 = not yet classified, 1 = keep, 2 = drop, 3 = whitespace, else 16 + the code unit to write.
const FOLD = new Uint32Array(65536);
const KEEP = 1;
const DROP = 2;
const SPACE = 3;
function classifyUnit(c: number): number {
  const ch = String.fromCharCode(c);
  if ((c >= 0x200b && c <= 0x200f) || c === 0x2060 || c === 0xfeff || (c >= 0x0300 && c <= 0x036f)) return DROP;
  if (/\s/u.test(ch)) return SPACE;
  if (/\p{Nd}/u.test(ch)) return 16 + 48;
  if ('\u2018\u2019\u201a\u201b\u2032'.includes(ch)) return 16 + 39;
  if ('\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb'.includes(ch)) return 16 + 34;
  if ((c >= 0x00c0 && c <= 0x024f) || (c >= 0x1e00 && c <= 0x1eff)) {
    const base = ch.normalize('NFD').replace(/[\u0300-\u036f]/gu, '');
    if (base !== ch) return base.length === 1 ? 16 + base.charCodeAt(0) : base.length === 0 ? DROP : KEEP;
  }
  return KEEP;
}

function foldUnits(t: string): string {
  const out = new Uint16Array(t.length);
  let n = 0;
  let space = true; // drops leading whitespace
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    let k = FOLD[c]!;
    if (k === 0) FOLD[c] = k = classifyUnit(c);
    if (k === DROP) continue;
    if (k === SPACE) {
      if (!space) out[n++] = 32;
      space = true;
      continue;
    }
    out[n++] = k === KEEP ? c : k - 16;
    space = false;
  }
  if (n > 0 && out[n - 1] === 32) n--;
  let r = '';
  for (let i = 0; i < n; i += 8192) r += String.fromCharCode.apply(null, out.subarray(i, Math.min(n, i + 8192)) as unknown as number[]);
  return r;
}

let buf = new Int32Array(4096);
function push(n: number, v: number): number {
  if (n === buf.length) {
    const b = new Int32Array(buf.length * 2);
    b.set(buf);
    buf = b;
  }
  buf[n] = v;
  return n + 1;
}

/** Whether a UTF-16 code unit separates words: ASCII other than letters and digits, and Unicode spaces and punctuation. */
const ASCII_WORD = new Uint8Array(128).map((_, c) => (/[a-z0-9]/.test(String.fromCharCode(c)) ? 1 : 0));
/** Non-ASCII code units, classified on first sight: 1 word, 2 separator. */
const UNIT_CLASS = new Uint8Array(65536);
function isWordUnit(c: number): boolean {
  if (c < 128) return ASCII_WORD[c] === 1;
  let k = UNIT_CLASS[c]!;
  if (k === 0) UNIT_CLASS[c] = k = /[\s\p{P}\p{S}]/u.test(String.fromCharCode(c)) ? 2 : 1;
  return k === 1;
}

/** The hashed features of one sentence, repeats kept (a count is how often a bucket appears). */
export function bucketsOf(sentence: string, bits: number): Int32Array {
  return buf.slice(0, fillBuckets(sentence, bits));
}

/** bucketsOf() into the shared buffer (no copy): how many were written. */
function fillBuckets(sentence: string, bits: number): number {
  const mask = (1 << bits) - 1;
  const s = ` ${sentence} `;
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    let h = CHAR_SEED;
    for (let k = 0; k < MAX_N && i + k < s.length; k++) {
      h = Math.imul(h ^ s.charCodeAt(i + k), FNV_PRIME);
      if (k + 1 >= MIN_N) n = push(n, ((h ^ (k + 1)) >>> 0) & mask);
    }
  }
  // Words: runs of word units; each hashed (unigram) and with the previous one (bigram).
  let prev = 0;
  let h = WORD_SEED;
  let inWord = false;
  for (let i = 0; i <= sentence.length; i++) {
    const c = i < sentence.length ? sentence.charCodeAt(i) : 32;
    if (isWordUnit(c)) {
      h = Math.imul(h ^ c, FNV_PRIME);
      inWord = true;
    } else if (inWord) {
      n = push(n, (h >>> 0) & mask);
      if (prev) n = push(n, ((Math.imul(prev ^ h, FNV_PRIME) ^ 0x9e3779b9) >>> 0) & mask);
      prev = h;
      h = WORD_SEED;
      inWord = false;
    }
  }
  return n;
}

/** The sentences of a folded text; over-long ones cut into pieces. */
export function sentences(folded: string): string[] {
  const out: string[] = [];
  for (const part of folded.split(/(?<=[.!?;:\u3002\uff01\uff1f\uff1b\uff1a\u2026\u0964\u061f])\s*|\s+(?=[-\u2022*]\s)/u)) {
    const t = part.trim();
    if (!t) continue;
    for (let i = 0; i < t.length; i += MAX_SENTENCE) out.push(t.slice(i, i + MAX_SENTENCE));
  }
  return out.length ? out : [folded];
}

/**
 * A window's feature vector: the sum of its sentences' damped counts (1 + ln n, per sentence), divided
 * by the root of the sum of their squared lengths (so one sentence is unit length). Summing per
 * sentence lets maxMargin() score a pair of sentences from the two sentences' sums in O(1).
 */
export function vectorOf(lists: readonly Int32Array[]): SparseVector {
  const sum = new Map<number, number>();
  let norm = 0;
  for (const l of lists) {
    const counts = new Map<number, number>();
    for (let k = 0; k < l.length; k++) counts.set(l[k]!, (counts.get(l[k]!) ?? 0) + 1);
    for (const [b, n] of counts) {
      const v = damp(n);
      sum.set(b, (sum.get(b) ?? 0) + v);
      norm += v * v;
    }
  }
  const inv = norm > 0 ? 1 / Math.sqrt(norm) : 0;
  const idx = new Int32Array(sum.size);
  const val = new Float32Array(sum.size);
  let j = 0;
  for (const [b, v] of sum) {
    idx[j] = b;
    val[j++] = v * inv;
  }
  return { idx, val };
}

/** Writing systems with a bias of their own (a text in Han characters has many more n-grams per sentence than one in Latin letters, which moves its margins). */
export const SCRIPTS = ['latin', 'cyrillic', 'greek', 'arabic', 'devanagari', 'han', 'kana', 'hangul', 'other'] as const;
const SCRIPT_RES: [number, RegExp][] = [
  [6, /[\u3040-\u30ff]/u],
  [7, /[\uac00-\ud7af]/u],
  [5, /\p{Script=Han}/u],
  [1, /\p{Script=Cyrillic}/u],
  [3, /\p{Script=Arabic}/u],
  [4, /\p{Script=Devanagari}/u],
  [2, /\p{Script=Greek}/u],
  [0, /\p{Script=Latin}/u],
];

/** The script of a sentence: kana before Han (Japanese mixes both), else the first script found in it. */
export function scriptOf(sentence: string): number {
  const head = sentence.slice(0, 160);
  for (const [id, re] of SCRIPT_RES) if (re.test(head)) return id;
  return SCRIPTS.length - 1;
}

/** A linear model over the buckets: weights (already scaled), a bias, and a bias per script. */
export interface LinearModel {
  bits: number;
  /** Weight of each bucket, times `scale` (the shipped model keeps its int8 weights: 4x less memory to walk). */
  weights: Int8Array | Float32Array;
  scale: number;
  bias: number;
  /** Added to the margin of a window by the script of its first sentence (SCRIPTS order). */
  scriptBias: ArrayLike<number>;
}

/**
 * The highest margin (w·x + b) over the windows of the sentences' bucket lists, and which window.
 * Same numbers as vectorOf() + a dot product per window, with one dense scratch array instead of maps.
 */
export function maxMargin(model: LinearModel, lists: readonly Int32Array[], scripts: readonly number[]): { margin: number; span: [number, number] } {
  const n = Math.min(lists.length, MAX_WINDOWS);
  const Z = new Float64Array(n);
  const N = new Float64Array(n);
  for (let i = 0; i < n; i++) sentenceStats(model, lists[i]!, lists[i]!.length, Z, N, i);
  return bestWindow(model, Z, N, scripts);
}

/** maxMargin() straight from the folded sentences, without keeping their bucket lists (what detection runs). */
export function maxMarginOf(model: LinearModel, sentences: readonly string[]): { margin: number; span: [number, number] } {
  const n = Math.min(sentences.length, MAX_WINDOWS);
  const Z = new Float64Array(n);
  const N = new Float64Array(n);
  const scripts = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    const len = fillBuckets(sentences[i]!, model.bits);
    sentenceStats(model, buf, len, Z, N, i);
    scripts[i] = scriptOf(sentences[i]!);
  }
  return bestWindow(model, Z, N, scripts);
}

/** Z[i] = w·v and N[i] = |v|² of the damped counts v of the first `len` buckets of l. */
function sentenceStats(model: LinearModel, l: Int32Array, len: number, Z: Float64Array, N: Float64Array, i: number): void {
  const counts = scratch(model.bits);
  if (touchedList.length < len) touchedList = new Int32Array(len * 2);
  const touched = touchedList;
  let t = 0;
  for (let k = 0; k < len; k++) if (counts[l[k]!]!++ === 0) touched[t++] = l[k]!;
  let z = 0;
  let nn = 0;
  for (let k = 0; k < t; k++) {
    const b = touched[k]!;
    const v = damp(counts[b]!);
    z += model.weights[b]! * v;
    nn += v * v;
    counts[b] = 0;
  }
  Z[i] = z * model.scale;
  N[i] = nn;
}

/** The best window: each sentence alone and each pair of neighbours, with the script bias of its first sentence. */
function bestWindow(model: LinearModel, Z: Float64Array, N: Float64Array, scripts: readonly number[]): { margin: number; span: [number, number] } {
  const n = Z.length;
  let best = -Infinity;
  let bestSpan: [number, number] = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let j = i; j <= i + 1 && j < n; j++) {
      const z = j === i ? Z[i]! : Z[i]! + Z[j]!;
      const nn = j === i ? N[i]! : N[i]! + N[j]!;
      const m = (nn > 0 ? z / Math.sqrt(nn) : 0) + model.bias + model.scriptBias[scripts[i]!]!;
      if (m > best) {
        best = m;
        bestSpan = [i, j];
      }
    }
  }
  return { margin: best, span: bestSpan };
}

const DAMP = Float64Array.from({ length: 256 }, (_, n) => (n ? 1 + Math.log(n) : 0));
const damp = (n: number): number => (n < 256 ? DAMP[n]! : 1 + Math.log(n));

let touchedList = new Int32Array(4096);
let scratchArr: Uint16Array | null = null;
function scratch(bits: number): Uint16Array {
  if (!scratchArr || scratchArr.length !== 1 << bits) scratchArr = new Uint16Array(1 << bits);
  return scratchArr;
}
