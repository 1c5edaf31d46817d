// Rule-based prompt-injection detector for every text an AI step reads (captured text, memory
// snippets, OCR'd attachments). No model: families of patterns over a normalised text.
//
// Normalisation: NFKC; zero-width and bidi control characters stripped; quotes folded; lowercase.
// Variants scanned besides that base text: homoglyph folding of mixed-script words (Cyrillic/Greek
// look-alikes inside Latin words), leetspeak folding of letter+digit words, letter-spaced runs
// collapsed ("i g n o r e"), and decoded blobs (base64, hex, %-encoding) scanned recursively.
// The lexicons are in injection-lexicon-a.ts and -b.ts, the rules in injection-rules.ts, the
// normalisation and decoding in injection-normalize.ts.
//
// Families (multilingual lexicons: en, de, fr, es, fi, ru): override (ignore/forget + qualifier +
// instructions), persona (you are now / pretend / act as admin / developer mode), prompt-leak
// (reveal + system prompt / secrets, repeat the text above), exfiltration (send … to a URL/e-mail,
// markdown image beacons, harvesting all names), delimiter (chat-template tokens, fake system
// headers, role lines), governance (mark as compliant/GREEN, skip the review, approve everything,
// raise the budget, drop findings), addressing (notes "to the AI"), encoded (a hidden blob that
// carries a signal), obfuscation (zero-width, mixed scripts, letter spacing).
//
// Second stage (injection-classifier.ts): a local multilingual classifier over character n-grams
// and words, trained on a generated corpus of 20 languages with hard negatives. Its calibrated
// probability for the text's most suspicious sentence window, at or above the threshold chosen on
// its validation split, adds a `classifier` signal of weight 1: rules OR classifier flag a text.
//
// Speed (injection-prefilter.ts): a rule runs only when the text has a word beginning from each
// lexicon group it needs, and a rule that starts with a word group is tried only where that group
// matches (found once per text per group); same results as running every rule over the whole text.
//
// Each rule has a weight; an input's score is the sum of the weights of the distinct rules that
// matched (in any variant). An input scoring >= 1 is an injection: strong rules weigh 1, weak cues
// 0.3-0.6 and need company, so a field note that says "ignore the first reading" or mentions the
// HMI's "system prompt" is not flagged.
import type { AiInput, InjectionReport, InjectionSignal } from '../../../shared/policy/types';
import { RULES } from './injection-rules';
import { normalizeText, decodeBlobs } from './injection-normalize';
import { classifierThreshold, classify } from './injection-classifier';
import { AnchorCache, indexWords, mayMatch, prefilterOf } from './injection-prefilter';

export { decodeBlobs, normalizeText } from './injection-normalize';

export const INJECTION_THRESHOLD = 1;

// ---------------------------------------------------------------------------------------------
export interface TextScore {
  score: number;
  signals: Omit<InjectionSignal, 'input'>[];
}

const PREFILTERS = RULES.map((r) => prefilterOf(r.re));

function scan(text: string, via: InjectionSignal['via'], found: Map<string, Omit<InjectionSignal, 'input'>>): void {
  indexWords(text);
  const anchors = new AnchorCache(text);
  for (let i = 0; i < RULES.length; i++) {
    const r = RULES[i]!;
    const { triggers, anchor: a } = PREFILTERS[i]!;
    if (found.has(r.id) || !mayMatch(triggers)) continue;
    const m = a ? anchors.exec(a) : r.re.exec(text);
    if (m) found.set(r.id, { family: r.family, rule: r.id, weight: r.weight, excerpt: m[0].trim().slice(0, 80), ...(via ? { via } : {}) });
  }
}

/** Score one text (0 = nothing found); `classifier` false: the rules alone (the bench's reference). */
export function scoreText(text: string, depth = 0, classifier = true): TextScore {
  const n = normalizeText(text);
  const found = new Map<string, Omit<InjectionSignal, 'input'>>();
  scan(n.base, undefined, found);
  for (const v of n.variants) scan(v.text, v.via, found);
  if (depth < 2) {
    for (const blob of decodeBlobs(n.cased)) {
      const inner = scoreText(blob.text, depth + 1);
      for (const s of inner.signals) if (!found.has(s.rule)) found.set(s.rule, { ...s, via: s.via ?? blob.via });
      if (inner.score > 0 && !found.has('encoded.payload')) {
        found.set('encoded.payload', { family: 'encoded', rule: 'encoded.payload', weight: 0.5, excerpt: blob.text.slice(0, 80), via: blob.via });
      }
    }
  }
  if (depth === 0 && classifier) {
    const c = classify(text);
    if (c.probability >= classifierThreshold())
      found.set('classifier.ngram', { family: 'classifier', rule: 'classifier.ngram', weight: 1, excerpt: c.excerpt });
  }
  const hits = found.size > 0;
  if (hits && n.cues.zeroWidth)
    found.set('obfuscation.zero-width', { family: 'obfuscation', rule: 'obfuscation.zero-width', weight: 0.3, excerpt: 'zero-width characters inside words' });
  if (hits && n.cues.mixedScript)
    found.set('obfuscation.mixed-script', {
      family: 'obfuscation',
      rule: 'obfuscation.mixed-script',
      weight: 0.3,
      excerpt: 'look-alike letters from another script inside words',
    });
  if (hits && n.cues.spaced)
    found.set('obfuscation.spaced', { family: 'obfuscation', rule: 'obfuscation.spaced', weight: 0.3, excerpt: 'letter-spaced words' });
  const signals = [...found.values()];
  const score = Math.round(signals.reduce((a, s) => a + s.weight, 0) * 100) / 100;
  return { score, signals };
}

export function isInjection(text: string): boolean {
  return scoreText(text).score >= INJECTION_THRESHOLD;
}

/** Scan every AI input; `detected` when any input scores >= INJECTION_THRESHOLD. */
export function detectInjection(inputs: readonly (AiInput | string)[]): InjectionReport {
  const signals: InjectionSignal[] = [];
  const flagged: number[] = [];
  let max = 0;
  inputs.forEach((inp, i) => {
    const text = typeof inp === 'string' ? inp : inp.text;
    const r = scoreText(text);
    max = Math.max(max, r.score);
    if (r.score >= INJECTION_THRESHOLD) flagged.push(i);
    for (const s of r.signals) signals.push({ ...s, input: i });
  });
  const families = [...new Set(signals.filter((s) => flagged.includes(s.input)).map((s) => s.family))];
  return { detected: flagged.length > 0, score: max, families, signals, scanned: inputs.length, flaggedInputs: flagged };
}

/** One text through rules and classifier: flagged or not, the families, and what matched first. */
export function screenText(text: string): { detected: boolean; families: string[]; excerpt: string | null } {
  const r = scoreText(text);
  const detected = r.score >= INJECTION_THRESHOLD;
  return { detected, families: detected ? [...new Set(r.signals.map((s) => s.family))] : [], excerpt: detected ? (r.signals[0]?.excerpt ?? null) : null };
}
