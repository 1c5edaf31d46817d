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

/** The top-level alternatives of the group that starts at `open` (the index of its '('), or null. */
function alternatives(src: string, open: number): string[] | null {
  const out: string[] = [];
  let depth = 0;
  let inClass = false;
  let start = open + 3; // after '(?:'
  for (let i = open; i < src.length; i++) {
    const c = src[i];
    if (c === '\\') {
      i++;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === '|' && depth === 1) {
      out.push(src.slice(start, i));
      start = i + 1;
    } else if (c === ')' && --depth === 0) {
      out.push(src.slice(start, i));
      return out;
    }
  }
  return null;
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

/** Per word group the rule needs: the hashes of its alternatives' beginnings. */
export type Triggers = readonly Int32Array[];

/**
 * The word groups a rule cannot match without (each `(?<![W])(?:a|b|…)` at the top level of its
 * pattern, not made optional by a quantifier), as hashes of their beginnings; null when it must
 * always run (no such group, a top-level alternation, a case-insensitive flag).
 */
export function ruleTriggers(re: RegExp): Triggers | null {
  const src = re.source;
  if (re.flags.includes('i')) return null;
  const groups: Int32Array[] = [];
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
      const open = i + LEAD.length - 3;
      const alts = alternatives(src, open);
      if (!alts) return null;
      const end = open + 3 + alts.reduce((a, x) => a + x.length + 1, 0) - 1; // the group's ')'
      const next = src[end + 1];
      const hashes = alts.map(literalStart);
      if (next !== '?' && next !== '*' && next !== '{' && hashes.every(Boolean)) groups.push(Int32Array.from(new Set(hashes.map(hashOf))));
      i = end;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) return null;
  }
  return groups.length ? groups : null;
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

const GROUPS = new Map<string, RegExp>();

/** The rule's anchor; null when its pattern has no leading word group or a top-level alternation (ruleTriggers() says so). */
export function anchorOf(re: RegExp): Anchored | null {
  const src = re.source;
  if (re.flags !== 'u' || !src.startsWith(LEAD) || ruleTriggers(re) === null) return null;
  const alts = alternatives(src, LEAD.length - 3);
  if (!alts) return null;
  const end = LEAD.length + alts.reduce((a, x) => a + x.length + 1, 0) - 1;
  const groupSrc = src.slice(0, end + 1);
  let group = GROUPS.get(groupSrc);
  if (!group) GROUPS.set(groupSrc, (group = new RegExp(groupSrc, 'gu')));
  return { group, sticky: new RegExp(src, 'uy') };
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
