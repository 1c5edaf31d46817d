// Pure helpers of the Memory screen (no DOM, no API): the search query, scores, snippets, model words.
import { MEMORY_TIERS, type InferenceBackend, type MemorySearchQuery, type MemoryTier, type ModelSlotStatus } from '../../../shared/memory/types';
import { LOCALE_PATTERN } from '../../../shared/memory/schemas';
import { i18next } from '../../i18n';
import { messageText } from '../../ui/message';

/** The tiers a person may add to (working memory is written by runs only). */
export const ADDABLE_TIERS = MEMORY_TIERS.filter((t): t is Exclude<MemoryTier, 'working'> => t !== 'working');

const SEARCH_LIMIT = 20;
export const MAX_QUERY = 2000;

/** What the search form holds: dates are local days (YYYY-MM-DD) as the date inputs give them. */
export interface MemoryFilters {
  text: string;
  tiers: MemoryTier[];
  locale: string;
  from: string;
  to: string;
}

export const EMPTY_FILTERS: MemoryFilters = { text: '', tiers: [], locale: '', from: '', to: '' };

const localeRe = new RegExp(LOCALE_PATTERN);

/** A BCP-47-shaped tag (en, sv, fr-CA), as the API accepts it. */
export const isLocale = (s: string): boolean => s.length <= 35 && localeRe.test(s);

/** Local date input (YYYY-MM-DD) → ISO at the start (or end) of that day. */
const dayIso = (d: string, end = false): string | undefined => (d ? new Date(`${d}T${end ? '23:59:59.999' : '00:00:00.000'}`).toISOString() : undefined);

/**
 * The API query for the form, or why there is none: nothing typed yet (`empty`), or a filter the API
 * would refuse (a locale that is not a language tag, a range that ends before it starts).
 */
export function buildQuery(f: MemoryFilters, limit = SEARCH_LIMIT): { query: MemorySearchQuery } | { problem: 'empty' | 'locale' | 'range' } {
  const text = f.text.trim().slice(0, MAX_QUERY);
  if (!text) return { problem: 'empty' };
  const locale = f.locale.trim();
  if (locale && !isLocale(locale)) return { problem: 'locale' };
  if (f.from && f.to && f.from > f.to) return { problem: 'range' };
  const query: MemorySearchQuery = { text, limit };
  // Every tier ticked is the same as none: no filter.
  if (f.tiers.length > 0 && f.tiers.length < MEMORY_TIERS.length) query.tiers = MEMORY_TIERS.filter((t) => f.tiers.includes(t));
  if (locale) query.locale = locale;
  const from = dayIso(f.from);
  const to = dayIso(f.to, true);
  if (from) query.from = from;
  if (to) query.to = to;
  return { query };
}

/** The fused score: small numbers (reciprocal rank fusion), so three decimals. */
export const score = (n: number): string => (Number.isFinite(n) ? n.toFixed(3) : '—');

/** "#3", or a dash when the item was not in that list. */
export const rank = (n: number | null): string => (n === null ? '—' : `#${n}`);

/** Why a hit was found, in words: by its words, by its meaning, or both (the ranks stay in the tooltip). */
export function matchedBy(vectorRank: number | null, textRank: number | null): string {
  if (vectorRank !== null && textRank !== null) return i18next.t('memory:match.both');
  if (textRank !== null) return i18next.t('memory:match.words');
  return i18next.t('memory:match.meaning');
}

/** The first line-ish of a text, whitespace collapsed, cut at a word near `max` characters. */
export function snippet(text: string, max = 180): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const cut = flat.slice(0, max);
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).trimEnd()}…`;
}

/** The fallbacks by the name before `@`: their message keys (memory:models.fallbackName.*). */
const FALLBACK_KEYS: Record<string, string> = {
  extractive: 'extractive',
  'hashed-ngram': 'hashedNgram',
  'rule-risk': 'ruleRisk',
};

/** "Model: qwen2.5-1.5b@1.0.0" or "Fallback: extractive summariser". */
export function armText(slot: Pick<ModelSlotStatus, 'arm' | 'id'>): string {
  if (slot.arm === 'model') return i18next.t('memory:models.arm.model', { id: slot.id });
  const name = slot.id.split('@')[0] ?? slot.id;
  const key = FALLBACK_KEYS[name];
  return i18next.t('memory:models.arm.fallback', { name: key ? i18next.t(`memory:models.fallbackName.${key}`) : name });
}

/** Why a slot is not on its GPU or its model, in the user's language: the code when the host sent one, else its English. */
export function fallbackText(slot: Pick<ModelSlotStatus, 'fallbackReason' | 'fallbackWhy'>): string | null {
  return slot.fallbackWhy ? messageText(slot.fallbackWhy) : slot.fallbackReason;
}

export const BACKEND_TEXT: Record<InferenceBackend, string> = { cuda: 'CUDA', vulkan: 'Vulkan', metal: 'Metal', cpu: 'CPU' };

/** 0..1 → whole percent, clamped; null when unknown. */
export const loadPercent = (p: number | null): number | null => (p === null || !Number.isFinite(p) ? null : Math.round(Math.min(1, Math.max(0, p)) * 100));

/** Source refs typed as a list: commas, spaces or new lines between them; duplicates dropped. */
export const parseRefs = (s: string): string[] => [...new Set(s.split(/[\s,]+/).filter(Boolean))];
