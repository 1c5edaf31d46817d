// Team sync display helpers (pure, unit tested): freshness lines, decision state chips, the roles a
// device may approve with, and keeping a selection across list reloads.
import type { Role } from '../../../shared/api/types';
import type { TeamCardView, TeamDecisionState, TeamStatus } from '../../../shared/team/views';
import type { Approval } from '../../../shared/workflow/types';
import { i18next } from '../../i18n';

/** Which items a list shows: every device of the tenant (team sync) or this device's own. */
export type Scope = 'device' | 'tenant';

/** A reply of a scoped channel (cards.list, runs.*) narrowed to the scope asked for; the main process answers in kind. */
export function inScope<R extends { scope: Scope }, S extends Scope>(res: R, scope: S): Extract<R, { scope: S }> {
  if (res.scope !== scope) throw new Error(`expected a '${scope}' reply, got '${res.scope}'`);
  return res as Extract<R, { scope: S }>;
}

/** The data-scope attribute views and the switch carry (unchanged names: all / local; '' until known). */
export const scopeAttr = (s: Scope | null): string => (s === 'tenant' ? 'all' : s === 'device' ? 'local' : '');

const pad = (n: number) => String(n).padStart(2, '0');

/** HH:MM, local time. */
const hhmm = (d: Date): string => `${pad(d.getHours())}:${pad(d.getMinutes())}`;
const ymd = (d: Date): string => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;

/** "just now", "3 min ago", "2 h ago", "4 days ago" (a time slightly ahead of this clock reads "just now"). */
export function ago(iso: string, now: number): string {
  const t = Date.parse(iso);
  if (!Number.isFinite(t)) return '—';
  const s = Math.max(0, Math.floor((now - t) / 1000));
  if (s < 60) return i18next.t('team:ago.justNow');
  if (s < 3600) return i18next.t('team:ago.minutes', { n: Math.floor(s / 60) });
  if (s < 86400) return i18next.t('team:ago.hours', { n: Math.floor(s / 3600) });
  return i18next.t('team:ago.days', { n: Math.floor(s / 86400) });
}

/**
 * "Cards as of 10:42, 3 min ago" (the date too when not today); "Never pulled" when this device never
 * pulled. `noun` is the list's name in the language in use (a label: "Cards", "Runs", "Items").
 */
export function freshnessText(noun: string, asOf: string | null, now: number): string {
  if (!asOf) return i18next.t('team:freshness.never');
  const d = new Date(asOf);
  if (Number.isNaN(d.getTime())) return i18next.t('team:freshness.never');
  const when = ymd(d) === ymd(new Date(now)) ? hhmm(d) : `${ymd(d)} ${hhmm(d)}`;
  return i18next.t('team:freshness.asOf', { noun, when, ago: ago(asOf, now) });
}

/** Where a decision sent from this device stands, in words ("Sent, waiting for sync"). */
const decisionStateText = (s: TeamDecisionState): string => i18next.t(`team:decision.state.${s}`);

/** The chip's short text: what was decided here and where it stands ("Approved: Accepted by server"). */
export const decisionShortText = (d: NonNullable<TeamCardView['decision']>): string =>
  i18next.t('team:decision.text', { decision: d.decision, state: decisionStateText(d.state) });

/** The chip's text: what was decided here and where it stands, with the server's or device's message. */
export function decisionText(d: NonNullable<TeamCardView['decision']>): string {
  if (!d.message) return decisionShortText(d);
  return i18next.t('team:decision.textWithMessage', { decision: d.decision, state: decisionStateText(d.state), message: d.message });
}

export const decisionTone = (s: TeamDecisionState): 'ok' | 'warn' | 'error' | 'info' =>
  s === 'applied' ? 'ok' : s === 'accepted' || s === 'queued' ? 'info' : s === 'conflict' ? 'warn' : 'error';

/**
 * Whether Approve / Reject are still offered after a decision sent from here: none yet, or the last
 * one was refused (it never took effect). Queued, accepted and applied decisions stand; a conflict
 * means another reviewer's decision stands.
 */
export const canDecideAgain = (d: TeamCardView['decision']): boolean => d === null || d.state === 'refused';

/**
 * "signed on dev_1 under certificate v3", or null when the approval was not made through team sync.
 * The device id is shown by name where it is rendered (ui/Who Named).
 */
export const viaText = (a: Pick<Approval, 'via'>): string | null =>
  a.via ? i18next.t('team:via', { device: a.via.device, version: a.via.certVersion }) : null;

/**
 * The roles this device signs approvals with: its team certificate's (none while revoked), else the
 * enrollment's. The main process checks again.
 */
export function approverRoles(status: TeamStatus | null, enrolled: Role[]): Role[] {
  const cert = status?.certificate;
  if (cert) return cert.status === 'active' ? [...cert.roles] : [];
  return enrolled;
}

export const mayApprove = (roles: Role[]): boolean => roles.includes('reviewer') || roles.includes('admin');

/** Roles in words, in the language in use ("reviewer, admin"). */
export const roleList = (roles: readonly string[]): string => roles.map((r) => i18next.t(`common:role.${r}`, { defaultValue: r })).join(', ');

/** Identity of a tenant card: card ids are unique per device. */
export const cardKey = (v: Pick<TeamCardView, 'device'> & { card: { id: string } }): string => `${v.device}\u0000${v.card.id}`;

export { keepIndex } from '../../ui/paged-list';

/** Drops empty filter values (the channels refuse empty strings). */
export const cleanQuery = <T extends object>(q: T): Partial<T> =>
  Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== null && (typeof v !== 'string' || v.trim() !== ''))) as Partial<T>;

/** A list cell's time: HH:MM today, else the date. */
export function shortTime(iso: string, now: number): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '—';
  return ymd(d) === ymd(new Date(now)) ? hhmm(d) : ymd(d);
}
