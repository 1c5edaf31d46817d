// Text helpers for the rule-based AI fallbacks (the run engine's AI steps and inference/fallbacks.ts): which
// fields are free text, sentences, words, tokens. Pure.

export interface TextField {
  /** JSON pointer of the string, e.g. `/findings/0/description`. */
  path: string;
  text: string;
}

const esc = (k: string) => k.replace(/~/g, '~0').replace(/\//g, '~1');

function collect(v: unknown, path: string, out: TextField[]): void {
  if (typeof v === 'string') {
    out.push({ path: path || '/', text: v });
  } else if (Array.isArray(v)) {
    v.forEach((x, i) => collect(x, `${path}/${i}`, out));
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) collect(x, `${path}/${esc(k)}`, out);
  }
}

function at(data: unknown, pointer: string): unknown {
  let cur = data;
  for (const raw of pointer.split('/').slice(1)) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Looks like prose: has a space and a letter, not an id, a date or a content hash. */
export const isFreeText = (s: string): boolean => s.length >= 12 && /\s/.test(s.trim()) && /\p{L}/u.test(s) && !/^sha256:/.test(s);

/**
 * The strings to read: under the named fields (top-level names or JSON pointers) when given, else
 * every free-text string of the input, in document order.
 */
export function textFields(input: Record<string, unknown>, fields?: readonly string[]): TextField[] {
  const out: TextField[] = [];
  if (fields && fields.length) {
    for (const f of fields) {
      const pointer = f.startsWith('/') ? f : `/${esc(f)}`;
      collect(at(input, pointer), pointer, out);
    }
    return out.filter((t) => t.text.trim().length > 0);
  }
  collect(input, '', out);
  return out.filter((t) => isFreeText(t.text));
}

export function sentences(text: string): string[] {
  return text
    .split(/(?<=[.!?])\s+|\n+/)
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

const STOP = new Set('a an and are as at be been but by for from has have in is it its of on or that the this to was were will with no not all any'.split(' '));

export function words(text: string): string[] {
  return (
    text
      .toLowerCase()
      .normalize('NFKC')
      .match(/[\p{L}\p{N}]+/gu) ?? []
  ).filter((w) => w.length > 1);
}

/**
 * Extractive summary: the highest-scoring sentences (frequency of content words), in original order.
 * ai-summarize now uses inference/fallbacks.ts (extractive@1); this one stays only as the reference
 * that inference/fallbacks.test.ts compares against.
 */
export function extractiveSummary(texts: readonly string[], maxSentences: number, maxChars: number): { summary: string; picked: number; total: number } {
  const all = texts.flatMap(sentences);
  if (!all.length) return { summary: '', picked: 0, total: 0 };
  const freq = new Map<string, number>();
  for (const s of all) for (const w of words(s)) if (!STOP.has(w)) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = all.map((s, i) => {
    const ws = words(s).filter((w) => !STOP.has(w));
    const score = ws.length ? ws.reduce((a, w) => a + (freq.get(w) ?? 0), 0) / Math.sqrt(ws.length) : 0;
    return { s, i, score };
  });
  const top = [...scored]
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .slice(0, maxSentences)
    .sort((a, b) => a.i - b.i);
  let summary = '';
  let picked = 0;
  for (const t of top) {
    const next = summary ? `${summary} ${t.s}` : t.s;
    if (next.length > maxChars) {
      if (!summary) summary = `${t.s.slice(0, Math.max(0, maxChars - 1))}…`;
      break;
    }
    summary = next;
    picked++;
  }
  return { summary, picked: Math.max(picked, summary ? 1 : 0), total: all.length };
}

/** Dice coefficient of the two texts' word multisets (1 = same words, 0 = none shared). */
export function tokenSimilarity(a: string, b: string): number {
  const wa = words(a);
  const wb = words(b);
  if (!wa.length && !wb.length) return 1;
  const counts = new Map<string, number>();
  for (const w of wa) counts.set(w, (counts.get(w) ?? 0) + 1);
  let shared = 0;
  for (const w of wb) {
    const n = counts.get(w) ?? 0;
    if (n > 0) {
      shared++;
      counts.set(w, n - 1);
    }
  }
  return Math.round(((2 * shared) / (wa.length + wb.length)) * 1000) / 1000;
}

/** Rough token count of a text (4 characters a token), what a model call would be billed for. */
export const tokensOf = (chars: number): number => Math.ceil(chars / 4);
