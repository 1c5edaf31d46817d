// A cheap, exact pre-check for the injection rules (injection-rules.ts): most rules begin with a
// word from a lexicon (`(?<![W])(?:ignore|disregard|…)`), so a rule can only match a text in
// which some word starts with the literal beginning of one of those alternatives. The text's words
// are hashed once (their first one, two and three letters into a bit table); a rule none of whose
// beginnings is there is not run. False positives of the table only cost a regex run; a rule whose
// beginning cannot be read off its source (no leading word group, an alternative that starts with
// a class or an escape) always runs. Same results as running every rule, at about a third of the cost.
import { W } from './injection-regex';

const LEAD = `(?<![${W}])(?:`;
const PREFIX = 4;
const BITS = 20;
const MASK = (1 << BITS) - 1;
const WORD_RE = new RegExp(`^[${W}]$`, 'u');

/** Whether a UTF-16 code unit is a word character of the rules (W). */
const isW = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || (c >= 0xc0 && c <= 0x24f) || (c >= 0x370 && c <= 0x3ff) || (c >= 0x400 && c <= 0x4ff);

const step = (h: number, c: number): number => Math.imul(h ^ c, 16777619) >>> 0;
const SEED = 2166136261;

/** The hashes of a literal beginning (1 to PREFIX code units). */
function hashOf(prefix: string): number {
  let h = SEED;
  for (let i = 0; i < prefix.length; i++) h = step(h, prefix.charCodeAt(i));
  return h & MASK;
}

/** The literal word characters an alternative must start with (at most PREFIX), or '' when unknown. */
function literalStart(alternative: string): string {
  let p = '';
  for (let i = 0; i < alternative.length && p.length < PREFIX; i++) {
    const ch = alternative[i]!;
    if (!WORD_RE.test(ch)) break;
    const next = alternative[i + 1];
    if (next === '?' || next === '*' || next === '{') break;
    p += ch;
  }
  return p;
}

/** A top-level `(?<![W])(?:a|b|…)` group of a pattern: its alternatives and the index of its ')'. */
interface WordGroup {
  alternatives: string[];
  end: number;
}

/**
 * One pass over a pattern's source (escapes and character classes skipped): its top-level word
 * groups in order, or null when it has a top-level alternation or an unclosed group.
 */
function wordGroups(src: string): WordGroup[] | null {
  const groups: WordGroup[] = [];
  let open: WordGroup | null = null; // the word group being read (depth >= 1 inside it)
  let altStart = 0;
  let depth = 0;
  let inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (depth === 0 && src.startsWith(LEAD, i)) {
      open = { alternatives: [], end: -1 };
      altStart = i + LEAD.length;
      depth = 1;
      i = altStart - 1;
    } else if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === '|') {
      if (depth === 0) return null;
      if (open && depth === 1) {
        open.alternatives.push(src.slice(altStart, i));
        altStart = i + 1;
      }
    } else if (c === ')' && --depth === 0 && open) {
      open.alternatives.push(src.slice(altStart, i));
      open.end = i;
      groups.push(open);
      open = null;
    }
  }
  return open ? null : groups;
}

/** Per word group the rule needs: the hashes of its alternatives' beginnings. */
export type Triggers = readonly Int32Array[];

/**
 * A rule that starts with a word group, run only where that group matches: the group's start
 * positions are found once per text and shared by every rule that starts with the same group (the
 * override rules all start with the same verbs), and the whole rule is tried there (sticky). The
 * leftmost match is the same as running the rule over the whole text.
 */
export interface Anchored {
  /** The leading group, as a global regex (its source is the cache key). */
  group: RegExp;
  /** The whole rule, sticky. */
  sticky: RegExp;
}

/** What the pre-check knows of a rule, read off its pattern once. */
export interface RulePrefilter {
  /**
   * The word groups the rule cannot match without (each top-level word group not made optional
   * by a quantifier), as hashes of their beginnings; null when it must always run (no such group,
   * a top-level alternation, a case-insensitive flag).
   */
  triggers: Triggers | null;
  /** The rule's anchor; null when it has no triggers or its pattern does not start with a word group. */
  anchor: Anchored | null;
}

const GROUPS = new Map<string, RegExp>();

/** Read a rule's triggers and anchor off its pattern (one scan of its source). */
export function prefilterOf(re: RegExp): RulePrefilter {
  const src = re.source;
  const groups = re.flags.includes('i') ? null : wordGroups(src);
  const needed: Int32Array[] = [];
  for (const g of groups ?? []) {
    const next = src[g.end + 1];
    const starts = g.alternatives.map(literalStart);
    if (next !== '?' && next !== '*' && next !== '{' && starts.every(Boolean)) needed.push(Int32Array.from(new Set(starts.map(hashOf))));
  }
  const triggers = needed.length ? needed : null;
  if (!triggers || re.flags !== 'u' || !src.startsWith(LEAD)) return { triggers, anchor: null };
  const groupSrc = src.slice(0, groups![0]!.end + 1);
  let group = GROUPS.get(groupSrc);
  if (!group) GROUPS.set(groupSrc, (group = new RegExp(groupSrc, 'gu')));
  return { triggers, anchor: { group, sticky: new RegExp(src, 'uy') } };
}

const table = new Uint8Array(1 << BITS);
const touched: number[] = [];

/** Hash the beginnings of every word of `text` (lowercased by the caller) into the table. */
export function indexWords(text: string): void {
  for (const b of touched) table[b] = 0;
  touched.length = 0;
  let prevW = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const w = isW(c);
    if (w && !prevW) {
      let h = SEED;
      for (let k = 0; k < PREFIX && i + k < text.length; k++) {
        const ck = text.charCodeAt(i + k);
        if (!isW(ck)) break;
        h = step(h, ck);
        const b = h & MASK;
        if (!table[b]) {
          table[b] = 1;
          touched.push(b);
        }
      }
    }
    prevW = w;
  }
}

/** Whether a rule with these triggers may match the text last given to indexWords(): each of its groups has a beginning there. */
export function mayMatch(triggers: Triggers | null): boolean {
  if (!triggers) return true;
  for (const g of triggers) {
    let any = false;
    for (let k = 0; k < g.length && !any; k++) any = table[g[k]!] === 1;
    if (!any) return false;
  }
  return true;
}

/** Per text: the start positions of each leading group (every one, overlapping ones included). */
export class AnchorCache {
  private readonly starts = new Map<RegExp, number[]>();
  constructor(private readonly text: string) {}

  /** The rule's leftmost match in the text, or null. */
  exec(a: Anchored): RegExpExecArray | null {
    let pos = this.starts.get(a.group);
    if (!pos) {
      pos = [];
      a.group.lastIndex = 0;
      for (let m = a.group.exec(this.text); m; m = a.group.exec(this.text)) {
        pos.push(m.index);
        a.group.lastIndex = m.index + 1;
      }
      this.starts.set(a.group, pos);
    }
    for (const p of pos) {
      a.sticky.lastIndex = p;
      const m = a.sticky.exec(this.text);
      if (m) return m;
    }
    return null;
  }
}
