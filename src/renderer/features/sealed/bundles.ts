// Pure helpers of the sealed-state screen (no DOM, no API): refusals, grouping, labels.
import { BUNDLE_REFUSAL_CODES, type BundleRefusal, type BundleState, type BundleVersionView } from '../../../shared/bundles/types';
import { changeMessages, type ChangeMessage } from '../../../shared/contracts/words';
import { isMessage, msg, type Message } from '../../../shared/messages';
import { i18next } from '../../i18n';
import { dateTime, errorMessage } from '../../ui/format';
import { messageText } from '../../ui/message';

/** What went wrong with an install, a verification or an activation, ready to show. */
export interface BundleFailure {
  /** The API error code (BUNDLE_REFUSED, VALIDATION_ERROR, UNAVAILABLE, ...). */
  code: string;
  /** The attack code of a verification refusal; null for other errors. */
  refusal: BundleRefusal | null;
  /** The refusal as a message (`refusals.bundle.<CODE>` with its params: path, role, versions …); null for other errors. */
  reason: Message | null;
  /** The error's own text: shown for other errors only (a refusal is shown by its message). */
  message: string;
  /** The file the refusal names, when it names one. */
  path: string | null;
  /** CONTRACT_NOT_COMPATIBLE: each breaking contract change (where, why); empty otherwise. */
  changes: ChangeMessage[];
}

const isRefusal = (code: unknown): code is BundleRefusal => typeof code === 'string' && (BUNDLE_REFUSAL_CODES as readonly string[]).includes(code);

/** The scalar details of a refusal: the params of its message. */
function scalars(details: Record<string, unknown>): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(details)) if (k !== 'refusal' && (typeof v === 'string' || typeof v === 'number')) out[k] = v;
  return out;
}

/** An error thrown by `call` (an ApiError with `{ refusal, path, … }` details for BUNDLE_REFUSED) as a failure. */
export function failureOf(e: unknown): BundleFailure {
  const err = e as { code?: unknown; message?: unknown; details?: unknown } | null;
  const code = typeof err?.code === 'string' ? err.code : 'INTERNAL';
  // Another error in the language in use (errors.<CODE>.<reason>); a refusal is shown by its own message.
  const message = errorMessage(e);
  const details = typeof err?.details === 'object' && err.details !== null ? (err.details as Record<string, unknown>) : {};
  const refusal = isRefusal(details.refusal) ? details.refusal : null;
  return {
    code,
    refusal,
    reason: refusal ? msg(`refusals.bundle.${refusal}`, scalars(details)) : null,
    message,
    path: typeof details.path === 'string' ? details.path : null,
    changes: changeMessages(details.changes),
  };
}

/** A refusal reported inside a result (VerifyResult.refusal) as a failure. */
export function failureOfRefusal(r: { code: BundleRefusal; message: string; path: string | null; reason?: Message }): BundleFailure {
  const reason = isMessage(r.reason) ? r.reason : msg(`refusals.bundle.${r.code}`, r.path ? { path: r.path } : undefined);
  return { code: 'BUNDLE_REFUSED', refusal: r.code, reason, message: r.message, path: r.path, changes: [] };
}

/** One breaking contract change in words: where (contract, field) and why, in the language in use. */
export const changeText = (c: ChangeMessage): string => messageText({ ...c.where, params: { ...c.where.params, reason: messageText(c.why) } });

/**
 * The refusal's params that say more than its sentence, one line each in the language in use: the
 * role, the versions (rollback), the expiry, the signatures counted, the key. The file has a line of its own.
 */
export function refusalFacts(reason: Message | null): string[] {
  const p = reason?.params ?? {};
  const t = (key: string, params: Record<string, string | number>) => i18next.t(`refusals:fact.${key}`, params);
  const out: string[] = [];
  if (typeof p.role === 'string') out.push(t('role', { role: p.role }));
  if (p.version !== undefined && p.seen !== undefined) out.push(t('versions', { version: p.version, seen: p.seen }));
  if (typeof p.expires === 'string') out.push(t('expires', { expires: dateTime(p.expires) }));
  if (typeof p.valid === 'number' && typeof p.threshold === 'number') out.push(t('signatures', { valid: p.valid, threshold: p.threshold }));
  if (typeof p.keyid === 'string') out.push(t('keyid', { keyid: p.keyid }));
  return out;
}

/** One line for a dialog's error: "BUNDLE_HASH_MISMATCH: sentence (path) Changes: …", or "CODE: message" for other errors. */
export function failureText(f: BundleFailure): string {
  const changes = f.changes.length ? ` ${i18next.t('sealed:failure.changesLine', { changes: f.changes.map(changeText).join('; ') })}` : '';
  return f.refusal && f.reason ? `${f.refusal}: ${messageText(f.reason)}${f.path ? ` (${f.path})` : ''}${changes}` : `${f.code}: ${f.message}`;
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
