// The no-model fallbacks of the text slot: an extractive summary and a rule-based risk class. Both
// are deterministic and quote or compute only; they never invent text.
//
// extractiveSummary generalises the summary of the ai-summarize executor (runs/executors/text.ts):
// the same word tokeniser (src/shared/text-fields.ts), plus sentence offsets, abbreviations of en/sv/fr/de/es that do not end
// a sentence, stop words of those languages, a position weight, and a character budget that skips
// a sentence too long for what is left instead of stopping there.
//
// The rule-based risk class (RULE_RISK_ID) is the guard's lane rules: policy/risk-class.ts.
import type { ModelSlotStatus } from '../../../shared/memory/types';
import { words } from '../../../shared/text';

export const EXTRACTIVE_ID = 'extractive@1';
export const RULE_RISK_ID = 'rule-risk@1';

/** The status of a slot served by a fallback (`extractive@1`, `hashed-ngram@1`). */
export function fallbackSlotStatus(id: string, fallbackReason: string | null, state: ModelSlotStatus['state'] = 'ready'): ModelSlotStatus {
  return {
    arm: 'fallback',
    id,
    state,
    backend: 'cpu',
    device: null,
    vramBytes: null,
    offloadedLayers: null,
    tokensPerSecond: null,
    fallbackReason,
    loadProgress: null,
  };
}

// ---------- sentences ----------

export interface SentenceSpan {
  /** Which input text (0 for a single text). */
  source: number;
  /** UTF-16 offsets into that text; text.slice(start, end) is the sentence. */
  start: number;
  end: number;
}

/**
 * Words that end with a period without ending the sentence when a capitalised word or a number
 * follows (titles, "for example", "about", "number"). Lowercase, without the final period.
 * Abbreviations that often end a sentence (etc., osv., usw.) are not here: a lowercase word after
 * any period already keeps the sentence going.
 */
const ABBREVIATIONS = new Set(
  [
    // en
    'mr',
    'mrs',
    'ms',
    'dr',
    'prof',
    'sr',
    'jr',
    'st',
    'vs',
    'e.g',
    'i.e',
    'approx',
    'dept',
    'inc',
    'ltd',
    'corp',
    'jan',
    'feb',
    'apr',
    'aug',
    'sep',
    'sept',
    'oct',
    'nov',
    'dec',
    // sv
    't.ex',
    'bl.a',
    's.k',
    'fr.o.m',
    't.o.m',
    'ca',
    'kl',
    'jfr',
    'resp',
    'p.g.a',
    'enl',
    'tel',
    // fr
    'mme',
    'mlle',
    'p.ex',
    'env',
    'cf',
    'bd',
    // de
    'z.b',
    'u.a',
    'bzw',
    'd.h',
    'evtl',
    'ggf',
    'vgl',
    'hr',
    'fr',
    'inkl',
    'zzgl',
    'str',
    // es
    'sra',
    'srta',
    'p.ej',
    'aprox',
    'ud',
    'uds',
    'dña',
    'dra',
    'avda',
  ].map((a) => a.normalize('NFC')),
);
/** Abbreviations of "number", "page", "figure": no sentence end when a digit follows ("No. 5", "Nr. 12"). */
const NUMBER_ABBREVIATIONS = new Set(['no', 'nos', 'nr', 'núm', 'n°', 'fig', 'p', 'pp', 'pág', 'abs', 's'].map((a) => a.normalize('NFC')));

/** A run of terminators, closing quotes or brackets (French spacing allowed before »), then a space or the end. */
const TERMINATOR = /[.!?…]+(?:[ \u00a0\u202f]?»)?["'”’»)\]]*(?=\s|$)/gu;

function endsSentence(line: string, termStart: number, termEnd: number): boolean {
  const term = line.slice(termStart, termEnd);
  if (!term.startsWith('.') || /[!?…]|\.\./.test(term)) return true;
  const rest = line.slice(termEnd).trimStart();
  if (!rest) return true;
  // "approx. five", "t.ex. om": a lowercase word after the period continues the sentence.
  if (/^\p{Ll}/u.test(rest)) return false;
  const before = /[\p{L}\p{N}.°]*$/u.exec(line.slice(0, termStart))?.[0] ?? '';
  const word = before.toLowerCase().normalize('NFC');
  if (ABBREVIATIONS.has(word)) return false;
  if (/^\p{N}/u.test(rest) && NUMBER_ABBREVIATIONS.has(word)) return false;
  // An initial ("J. Smith", "Dr. J. R. Smith") when it opens the sentence or follows a title or
  // another initial; after any other word it is a letter ending the sentence ("building B. Then").
  if (/^\p{Lu}$/u.test(before)) {
    const prev = /(\S*)\s*$/u.exec(line.slice(0, termStart - 1))?.[1] ?? '';
    if (!prev || /[.!?…:]["'”’»)\]]*$/u.test(prev)) return false;
  }
  return true;
}

/** Sentences of one text with their offsets: lines, then terminators (see endsSentence). */
export function sentenceSpans(text: string, source = 0): SentenceSpan[] {
  const out: SentenceSpan[] = [];
  const push = (s: number, e: number) => {
    while (s < e && /\s/u.test(text[s]!)) s++;
    while (e > s && /\s/u.test(text[e - 1]!)) e--;
    if (e > s) out.push({ source, start: s, end: e });
  };
  let lineStart = 0;
  for (const line of text.split('\n')) {
    let from = 0;
    for (const m of line.matchAll(TERMINATOR)) {
      const end = m.index + m[0].length;
      if (endsSentence(line, m.index, end)) {
        push(lineStart + from, lineStart + end);
        from = end;
      }
    }
    push(lineStart + from, lineStart + line.length);
    lineStart += line.length + 1;
  }
  return out;
}

// ---------- extractive summary ----------

/** Function words of en/sv/fr/de/es (after words(): lowercase, NFKC, two letters or more). */
const STOP = new Set(
  (
    'an and are as at be been but by for from has have in is it its of on or that the this to was were will with no not all any ' +
    'och att det som en ett är var har inte med för på till av den de om vid så men eller ska kan hade ' +
    'le la les un une des et est sont dans sur pour avec par pas que qui du au aux ce se il elle ou ne été ' +
    'der die das und ist sind nicht mit für auf von zu im ein eine den dem des oder es wie bei auch wurde ' +
    'el los las y es son en con por para que del al lo una se su fue como más'
  ).split(' '),
);

export interface SummarySentence extends SentenceSpan {
  text: string;
  score: number;
}

export interface ExtractiveSummaryResult {
  summary: string;
  /** Chosen sentences, in original order (source, then offset). */
  sentences: SummarySentence[];
  /** Sentences in the input. */
  total: number;
  /** true when even the best sentence alone exceeded maxChars and was cut (the summary ends with …). */
  truncated: boolean;
}

/**
 * The highest-scoring sentences within maxSentences and maxChars (joined by single spaces), in
 * their original order. Score: Σ frequency (over the whole input) of the sentence's content words
 * ÷ √(their count), × a position weight 1 + 0.5 / (1 + position within its text) (lead sentences
 * count more). Ties go to the earlier sentence.
 */
export function extractiveSummary(text: string | readonly string[], o: { maxSentences?: number; maxChars?: number } = {}): ExtractiveSummaryResult {
  const maxSentences = Math.max(1, Math.floor(o.maxSentences ?? 3));
  const maxChars = Math.max(1, Math.floor(o.maxChars ?? 600));
  const texts = typeof text === 'string' ? [text] : text;
  const spans = texts.flatMap((t, i) => sentenceSpans(t, i).map((s, k) => ({ ...s, text: t.slice(s.start, s.end), k })));
  if (!spans.length) return { summary: '', sentences: [], total: 0, truncated: false };
  const content = spans.map((s) => words(s.text).filter((w) => !STOP.has(w)));
  const freq = new Map<string, number>();
  for (const ws of content) for (const w of ws) freq.set(w, (freq.get(w) ?? 0) + 1);
  const scored = spans.map((s, i) => {
    const ws = content[i]!;
    const tf = ws.length ? ws.reduce((a, w) => a + (freq.get(w) ?? 0), 0) / Math.sqrt(ws.length) : 0;
    return { i, score: Math.round(tf * (1 + 0.5 / (1 + s.k)) * 1e6) / 1e6 };
  });
  const ranked = [...scored].sort((a, b) => b.score - a.score || a.i - b.i);
  const chosen: number[] = [];
  let used = 0;
  for (const r of ranked) {
    if (chosen.length >= maxSentences) break;
    const len = spans[r.i]!.text.length + (chosen.length ? 1 : 0);
    if (used + len > maxChars) continue;
    chosen.push(r.i);
    used += len;
  }
  const pick = (i: number): SummarySentence => {
    const { source, start, end, text: t } = spans[i]!;
    return { source, start, end, text: t, score: scored[i]!.score };
  };
  if (!chosen.length) {
    // Even the best sentence is longer than maxChars: cut it at a word boundary.
    const best = pick(ranked[0]!.i);
    const room = Math.max(0, maxChars - 1);
    const cut = best.text.slice(0, room);
    const at = cut.search(/\s\S*$/u);
    const kept = (at > room / 2 ? cut.slice(0, at) : cut).trimEnd();
    return { summary: `${kept}…`, sentences: [{ ...best, end: best.start + kept.length, text: kept }], total: spans.length, truncated: true };
  }
  const sentences = chosen.sort((a, b) => a - b).map(pick);
  return { summary: sentences.map((s) => s.text).join(' '), sentences, total: spans.length, truncated: false };
}
