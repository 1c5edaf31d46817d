// Input checks and small helpers of the memory service.
import { ApiError } from '../../../shared/errors';
import { CanonicalJsonError, assertWellFormed } from '../../../shared/canonical';
import { LOCALE_PATTERN } from '../../../shared/memory/schemas';
import { MEMORY_TIERS, type MemoryTier } from '../../../shared/memory/types';
import type { Embedder } from './ports';

export const MAX_TEXT = 20_000;
const MAX_REFS = 200;

export const invalid = (message: string, details?: unknown) => new ApiError('VALIDATION_ERROR', message, details);
const localeRe = new RegExp(LOCALE_PATTERN);

export function checkText(text: unknown, field: string, max: number): string {
  if (typeof text !== 'string' || !/\S/u.test(text)) throw invalid(`${field} must be a non-empty string`, { reason: 'empty_text', field });
  if (text.length > max) throw invalid(`${field} is longer than ${max} characters`, { reason: 'text_too_long', field, max });
  try {
    assertWellFormed(text, field);
  } catch (e) {
    if (e instanceof CanonicalJsonError) throw invalid(`${field} is not well-formed Unicode`);
    throw e;
  }
  return text;
}

export function checkLocale(locale: unknown): string {
  if (typeof locale !== 'string' || locale.length > 35 || !localeRe.test(locale)) throw invalid('locale must be a BCP-47 tag such as en, sv or fr-CA');
  return locale;
}

export function checkTier(tier: unknown): MemoryTier {
  if (!(MEMORY_TIERS as readonly unknown[]).includes(tier)) throw invalid(`tier must be one of ${MEMORY_TIERS.join(', ')}`);
  return tier as MemoryTier;
}

export function checkRefs(refs: unknown): string[] {
  if (refs === undefined) return [];
  if (!Array.isArray(refs) || refs.length > MAX_REFS) throw invalid(`sourceRefs must be an array of at most ${MAX_REFS} strings`);
  return [...new Set(refs.map((r) => checkText(r, 'sourceRefs[]', 200)))];
}

export function checkIso(v: unknown, field: string): string {
  const ms = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(ms)) throw invalid(`${field} must be an ISO date-time`);
  return new Date(ms).toISOString();
}

export async function embedOne(e: Embedder, text: string): Promise<Float32Array> {
  const [v] = await e.embed([text]);
  if (!(v instanceof Float32Array) || v.length !== e.dimension) throw new Error(`embedder ${e.id} returned no ${e.dimension}-dimension vector`);
  return v;
}

/** The first sentence of each text (at most 240 characters each), de-duplicated, joined. */
export function defaultSummarize(texts: string[]): string {
  const firsts = texts.map((t) => {
    const s = t.trim().replace(/\s+/gu, ' ');
    const m = /^(.{1,240}?[.!?])(?:\s|$)/u.exec(s);
    return m ? m[1]! : s.slice(0, 240);
  });
  return [...new Set(firsts.filter((s) => s.length > 0))].join(' ').slice(0, 4_000);
}

export function mostCommon(xs: string[]): string {
  const n = new Map<string, number>();
  for (const x of xs) n.set(x, (n.get(x) ?? 0) + 1);
  return [...n.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}
