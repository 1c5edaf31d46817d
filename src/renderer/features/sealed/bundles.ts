// Pure helpers of the sealed-state screen (no DOM, no API): refusals, grouping, labels.
import { BUNDLE_REFUSALS, type BundleRefusal, type BundleState, type BundleVersionView } from '../../../shared/bundles/types';
import { changesInWords } from '../../../shared/contracts/words';
import { i18next } from '../../i18n';

/** What went wrong with an install, a verification or an activation, ready to show. */
export interface BundleFailure {
  /** The API error code (BUNDLE_REFUSED, VALIDATION_ERROR, UNAVAILABLE, ...). */
  code: string;
  /** The attack code of a verification refusal, and its sentence; null for other errors. */
  refusal: BundleRefusal | null;
  sentence: string | null;
  message: string;
  /** The file the refusal names, when it names one. */
  path: string | null;
  /** CONTRACT_NOT_COMPATIBLE: each breaking contract change in plain words; empty otherwise. */
  changes: string[];
}

const isRefusal = (code: unknown): code is BundleRefusal => typeof code === 'string' && Object.hasOwn(BUNDLE_REFUSALS, code);

/** An error thrown by `call` (an ApiError with `{ refusal, path }` details for BUNDLE_REFUSED) as a failure. */
export function failureOf(e: unknown): BundleFailure {
  const err = e as { code?: unknown; message?: unknown; details?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : 'INTERNAL';
  const message = typeof err?.message === 'string' ? err.message : String(e);
  const details = typeof err?.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : {};
  const refusal = isRefusal(details.refusal) ? details.refusal : null;
  return {
    code,
    refusal,
    sentence: refusal ? BUNDLE_REFUSALS[refusal] : null,
    message,
    path: typeof details.path === 'string' ? details.path : null,
    changes: changesInWords(details.changes),
  };
}

/** A refusal reported inside a result (VerifyResult.refusal) as a failure. */
export function failureOfRefusal(r: { code: BundleRefusal; message: string; path: string | null }): BundleFailure {
  return { code: 'BUNDLE_REFUSED', refusal: r.code, sentence: BUNDLE_REFUSALS[r.code] ?? null, message: r.message, path: r.path, changes: [] };
}

/** A refusal code's sentence in the language in use (English: BUNDLE_REFUSALS). */
export const refusalSentence = (code: BundleRefusal): string => i18next.t(`sealed:refusal.${code}`);

/** One line for a dialog's error: "BUNDLE_HASH_MISMATCH: sentence — message". */
export function failureText(f: BundleFailure): string {
  const changes = f.changes.length ? ` ${i18next.t('sealed:failure.changesLine', { changes: f.changes.join('; ') })}` : '';
  return f.refusal ? `${f.refusal}: ${refusalSentence(f.refusal)} — ${f.message}${f.path ? ` (${f.path})` : ''}${changes}` : `${f.code}: ${f.message}`;
}

export interface BundleGroup {
  name: string;
  versions: BundleVersionView[];
}

/** Installed versions by bundle name (names sorted), the active one first, then newest install first. */
export function groupBundles(bundles: BundleVersionView[]): BundleGroup[] {
  const byName = new Map<string, BundleVersionView[]>();
  for (const b of bundles) byName.set(b.name, [...(byName.get(b.name) ?? []), b]);
  return [...byName.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, versions]) => ({
      name,
      versions: versions.sort((a, b) => Number(b.active) - Number(a.active) || b.installedAt.localeCompare(a.installedAt) || b.id - a.id),
    }));
}

/** A keyid as people compare it: its first 8 hex digits. */
export const shortKeyId = (keyid: string): string => keyid.slice(0, 8);

export const STATE_BADGE: Record<BundleState, string> = {
  verified: 'badge-ok',
  stale: 'badge-warn',
  expired: 'badge-error',
  quarantined: 'badge-error',
};

/** Text next to the badge (never colour alone): an icon-like mark plus the state word. */
export const STATE_MARK: Record<BundleState, string> = {
  verified: '✓',
  stale: '~',
  expired: '!',
  quarantined: '✗',
};

/** The state word under the badge, in the language in use. */
export const stateWord = (state: BundleState): string => i18next.t(`sealed:state.${state}`);

/** What a state means (the badge's title), in the language in use. */
export function stateHelp(state: BundleState, reverifyEveryHours: number): string {
  return i18next.t(`sealed:stateHelp.${state}`, { hours: 2 * reverifyEveryHours });
}

/** Percentage of a byte count, 0-100, whole numbers. */
export const percent = (done: number, total: number): number => (total > 0 ? Math.min(100, Math.floor((done / total) * 100)) : 0);
