// Pure parts of hybrid retrieval: the full-text query, locale keys, and the fusion of the vector and
// text lists (reciprocal rank fusion × tier weight × recency).
import type { MemoryTier } from '../../../shared/memory/types';

/** Reciprocal rank fusion constant (Cormack et al.): a list's rank r contributes 1 / (RRF_K + r). */
export const RRF_K = 60;

/**
 * Tier weights: core (what the user pinned) first; procedural (how to do things) above semantic
 * (facts); episodic (what happened in a run) and working scratch below — a run's scratch should
 * not crowd out knowledge that outlived its run.
 */
export const TIER_WEIGHTS: Readonly<Record<MemoryTier, number>> = { core: 1.3, procedural: 1.1, semantic: 1.0, episodic: 0.9, working: 0.8 };

/**
 * Recency: factor = floor + (1 − floor) × 2^(−age / halfLife). With the defaults (30 days, 0.5) a new
 * item counts ×1, a 30-day-old one ×0.75, and anything old tends to ×0.5: recency breaks ties between
 * similar matches but never buries an old item that matches much better. Core items are exempt.
 */
export const RECENCY_HALF_LIFE_MS = 30 * 86_400_000;
export const RECENCY_FLOOR = 0.5;

export interface FusionOptions {
  rrfK: number;
  tierWeights: Readonly<Record<MemoryTier, number>>;
  halfLifeMs: number;
  recencyFloor: number;
}

export const DEFAULT_FUSION: FusionOptions = { rrfK: RRF_K, tierWeights: TIER_WEIGHTS, halfLifeMs: RECENCY_HALF_LIFE_MS, recencyFloor: RECENCY_FLOOR };

export function recencyFactor(tier: MemoryTier, ageMs: number, o: Pick<FusionOptions, 'halfLifeMs' | 'recencyFloor'> = DEFAULT_FUSION): number {
  if (tier === 'core' || !(o.halfLifeMs > 0)) return 1;
  const age = Math.max(0, ageMs);
  return o.recencyFloor + (1 - o.recencyFloor) * Math.pow(2, -age / o.halfLifeMs);
}

export interface Fused {
  seq: number;
  score: number;
  vectorRank: number | null;
  textRank: number | null;
}

/**
 * Fuse two ranked lists of item seqs (best first). `info` gives each seq's tier and creation time
 * (ms); seqs missing from it (deleted, expired, filtered out) are dropped. Sorted by score, then
 * by the better of the two ranks, then newest first.
 */
export function fuse(
  vector: readonly number[],
  text: readonly number[],
  info: ReadonlyMap<number, { tier: MemoryTier; createdMs: number }>,
  nowMs: number,
  o: FusionOptions = DEFAULT_FUSION,
): Fused[] {
  const acc = new Map<number, Fused>();
  const add = (list: readonly number[], key: 'vectorRank' | 'textRank') => {
    list.forEach((seq, i) => {
      if (!info.has(seq)) return;
      let f = acc.get(seq);
      if (!f) {
        f = { seq, score: 0, vectorRank: null, textRank: null };
        acc.set(seq, f);
      }
      if (f[key] === null) {
        f[key] = i + 1;
        f.score += 1 / (o.rrfK + i + 1);
      }
    });
  };
  add(vector, 'vectorRank');
  add(text, 'textRank');
  const out = [...acc.values()];
  for (const f of out) {
    const it = info.get(f.seq)!;
    f.score *= (o.tierWeights[it.tier] ?? 1) * recencyFactor(it.tier, nowMs - it.createdMs, o);
  }
  const best = (f: Fused) => Math.min(f.vectorRank ?? Infinity, f.textRank ?? Infinity);
  return out.sort((a, b) => b.score - a.score || best(a) - best(b) || b.seq - a.seq);
}

const WORD = /[\p{L}\p{M}\p{N}]+/gu;
export const MAX_QUERY_TERMS = 32;

/** The distinct words of a text (NFKC, lower case), at most MAX_QUERY_TERMS, in order of appearance. */
export function queryTerms(text: string): string[] {
  const seen = new Set<string>();
  for (const m of text.normalize('NFKC').toLowerCase().matchAll(WORD)) {
    if (m[0].length > 64) continue;
    seen.add(m[0]);
    if (seen.size >= MAX_QUERY_TERMS) break;
  }
  return [...seen];
}

/**
 * An FTS5 MATCH expression: each term a quoted string (so nothing in the user's text is FTS syntax:
 * no operators, column filters or prefixes), OR-ed so BM25 ranks by how many and how rare. Terms
 * hold only letters, marks and digits, so they never contain a quote. null when there is no term.
 * The expression is bound as a parameter, never spliced into SQL.
 */
export function ftsMatchExpression(terms: readonly string[]): string | null {
  if (terms.length === 0) return null;
  return terms.map((t) => `"${t.replaceAll('"', '""')}"`).join(' OR ');
}

/** BCP-47 primary language subtag, lower case (`sv-SE` → `sv`). */
export function primaryTag(locale: string): string {
  return (locale.split('-')[0] ?? '').toLowerCase();
}

/** A primary subtag (2–3 letters a–z) as an integer, the vector index's locale metadata. */
export function langCode(tag: string): number {
  let code = 0;
  for (let i = 0; i < 3; i++) {
    const c = tag.charCodeAt(i);
    code = code * 32 + (c >= 97 && c <= 122 ? c - 96 : 0);
  }
  return code;
}
