// Pure words of a decision card (no API, no DOM): what happened, why it needs this person and what to do
// next, from the card's status, its failed checks and the invariants' plain texts (policy.texts). Codes,
// expressions and raw values stay on the card's Details; nothing here shows them.
import type { PlainText, Role } from '../../../shared/policy/types';
import type { DecisionCard, InvariantResult } from '../../../shared/workflow/types';
import { i18next } from '../../i18n';
import { locale } from '../../i18n/current';
import { rationaleText } from './system-words';

/** A message of the `cards` namespace in the language in use (looked up when called, never at load). */
const tr = (key: string, params?: Record<string, unknown>): string => i18next.t(`cards:${key}`, params);

/** A wait with no failed check of its own: the workflow's review gate, which a RED lane closes. */
export const GATE_WAIT = {
  get red(): string {
    return tr('gate.red');
  },
  get other(): string {
    return tr('gate.other');
  },
};

/** Invariant id → language → its words (what policy.texts returns). */
export type TextsById = Record<string, Record<string, PlainText | undefined> | undefined>;

/** The run engine's own budget checks: not in the policy files, so their words live here (cards:engine.*). */
const ENGINE_TEXTS: Record<string, string> = {
  'INV.ENGINE.BUDGET_TOKENS': 'budgetTokens',
  'INV.ENGINE.BUDGET_COST': 'budgetCost',
  'INV.ENGINE.WALL_TIME': 'wallTime',
};

/** Words from the `cards` namespace: `prefix`.what, .failed and .next. */
const wordsAt = (prefix: string): PlainText => ({ what: tr(`${prefix}.what`), failed: tr(`${prefix}.failed`), next: tr(`${prefix}.next`) });

/**
 * A check's words in `lang` (by default the language in use), falling back to English, then to the
 * engine's own words, then to a general sentence (a check this device has no words for: another
 * policy version, another kind of card).
 */
export function plainOf(id: string, texts: TextsById, lang: string = locale()): PlainText {
  const t = texts[id];
  const own = t?.[lang] ?? t?.en;
  if (own) return own;
  const engine = ENGINE_TEXTS[id];
  return wordsAt(engine ? `engine.${engine}` : 'unknown');
}

/** Whether a failed check only waits for an approval: the engine's own rule (approval checks, or any check reading approval.state). */
export const isApprovalCheck = (r: InvariantResult): boolean =>
  /^INV\.APPROVAL(\.|$)/.test(r.id) || Object.prototype.hasOwnProperty.call(r.values, 'approval.state');

/** An invariant id at the start of a reason line (`INV.X.Y: message`), as the engine writes run errors. */
export const reasonInvariant = (reason: string): string | null => /^(INV(?:\.[A-Z0-9_]+)+):/.exec(reason)?.[1] ?? null;

export const canReviewRoles = (roles: readonly Role[]): boolean => roles.includes('reviewer') || roles.includes('admin');

/**
 * "reviewer and admin"; "not enrolled" with no role. `asSubject`: the form that follows "You are" /
 * "enrolled as" ("a reviewer and admin", "an admin"; languages without articles give the bare words).
 */
export function rolesInWords(roles: readonly Role[], asSubject = false): string {
  const w = roles.map((r, i) => tr(i === 0 && asSubject ? `roles.a.${r}` : `roles.${r}`));
  if (!w.length) return tr('roles.none');
  if (w.length === 1) return w[0]!;
  if (w.length === 2) return tr('roles.list2', { a: w[0], b: w[1] });
  return tr('roles.list3', { a: w.slice(0, -2).join(', '), b: w[w.length - 2], c: w[w.length - 1] });
}

const unique = (xs: string[]): string[] => [...new Set(xs)];

export interface CardLead {
  /** What happened, in words. */
  what: string;
  /** Why it needs the person looking at it; null when there is nothing for them to decide. */
  why: string | null;
  /** What to do next, in words; null when nothing is left to do. */
  next: string | null;
  /** The failed checks in words, one sentence each (a card may have several). */
  problems: string[];
  /** The summary line of the checks, true to the state (an approved card's approval check is not "failed"). */
  checks: string;
  tone: 'ok' | 'warn' | 'error';
}

export interface LeadContext {
  texts: TextsById;
  roles: readonly Role[];
  lang?: string;
  /** Another device's card (team sync), and whether this person may decide it there. */
  remote?: boolean;
  /** Who decided, in words (a name), when the card only has an id. */
  nameOf?: (id: string) => string;
}

const RUN_KINDS = new Set(['run.start', 'step', 'approval.decide']);

/** The one line about a card's checks: "All 7 checks passed", "1 of 7 checks did not pass", "Held for approval; approved". */
export function checksLine(card: DecisionCard): string {
  const n = card.invariants.length;
  const failed = card.invariants.filter((i) => !i.pass);
  const held = failed.length > 0 && failed.every(isApprovalCheck);
  if (n === 0) return tr('checks.none');
  if (!failed.length) return tr('checks.passed', { n });
  if (held && card.status === 'approved') return tr('checks.heldApproved');
  if (held && card.status === 'rejected') return tr('checks.heldRejected');
  if (held && card.status === 'awaiting_approval') return tr('checks.waiting');
  return tr('checks.failed', { failed: failed.length, n });
}

/** The words that lead a card: what happened, why it needs this person, what to do next. */
export function cardLead(card: DecisionCard, ctx: LeadContext): CardLead {
  const failed = card.invariants.filter((i) => !i.pass);
  const plain = (r: InvariantResult) => plainOf(r.id, ctx.texts, ctx.lang);
  const problems = unique(failed.map((r) => plain(r).failed));
  const checks = checksLine(card);
  const who = (id: string | null) => (id ? (ctx.nameOf?.(id) ?? id) : tr('lead.aReviewer'));
  // The decision's sentence, with the reviewer's comment when there is one.
  const decided = (key: string) =>
    tr(key, { who: who(card.approval.by), hasComment: card.approval.comment ? 'yes' : 'no', comment: card.approval.comment ?? '' });
  if (!RUN_KINDS.has(card.kind)) {
    // Cards written outside runs (a quarantined bundle, a model fallback, a release gate) carry their own sentence.
    return { what: rationaleText(card), why: null, next: null, problems, checks, tone: card.status === 'denied' ? 'error' : 'ok' };
  }
  const reviewer = canReviewRoles(ctx.roles);
  switch (card.status) {
    case 'awaiting_approval': {
      const held = failed.filter(isApprovalCheck);
      const what = held.length ? unique(held.map((r) => plain(r).failed)).join(' ') : card.lane === 'RED' ? GATE_WAIT.red : GATE_WAIT.other;
      const roles = rolesInWords(ctx.roles, true);
      const why = reviewer
        ? tr(ctx.remote ? 'lead.why.reviewerRemote' : 'lead.why.reviewer', { roles })
        : ctx.roles.length
          ? tr('lead.why.enrolled', { roles })
          : tr('lead.why.notEnrolled');
      const next = reviewer ? tr('lead.next.review') : held[0] ? plain(held[0]).next : tr('lead.next.waitForReviewer');
      return { what, why, next, problems, checks, tone: 'warn' };
    }
    case 'approved': {
      const heldNote = failed.length && failed.every(isApprovalCheck) ? tr('lead.heldNote') : null;
      const what = card.kind === 'approval.decide' ? decided('lead.approvedWork') : [decided('lead.approvedBy'), heldNote].filter(Boolean).join(' ');
      return { what, why: null, next: tr('lead.next.approved'), problems: [], checks, tone: 'ok' };
    }
    case 'rejected': {
      const what = decided(card.kind === 'approval.decide' ? 'lead.rejectedWork' : 'lead.rejectedBy');
      return { what, why: null, next: tr('lead.next.rejected'), problems: [], checks, tone: 'error' };
    }
    case 'denied': {
      const policyDenied = card.policy.decision === 'deny';
      const what = problems.length
        ? tr('lead.stoppedBecause', { problems: problems.join(' ') })
        : policyDenied
          ? tr('lead.stoppedByPolicy')
          : tr('lead.stoppedByCheck');
      const next = failed[0] ? plain(failed[0]).next : policyDenied ? tr('lead.next.askAdmin') : null;
      return { what, why: null, next, problems, checks, tone: 'error' };
    }
    default: {
      const what = tr(card.kind === 'run.start' ? 'lead.allowedStart' : 'lead.allowedStep');
      return { what, why: null, next: null, problems, checks, tone: 'ok' };
    }
  }
}

/** The approval line true to the card: never "not required" beside a card that waits for one. */
export function approvalWords(card: DecisionCard, nameOf: (id: string) => string = (id) => id): string {
  const a = card.approval;
  if (a.state === 'approved' || a.state === 'rejected')
    return tr(a.state === 'approved' ? 'approval.approvedBy' : 'approval.rejectedBy', { who: a.by ? nameOf(a.by) : tr('lead.aReviewer') });
  if (card.status === 'awaiting_approval' || a.state === 'pending') return tr('approval.waiting');
  return tr('approval.notNeeded');
}

/** What an empty card list says: nothing waiting when filtered to waiting cards, otherwise what to change or where cards come from. */
export function emptyCardsText(filters: {
  status?: string;
  lane?: string;
  text?: string;
  runId?: string;
  failedInvariant?: string;
  device?: string;
  from?: string;
  to?: string;
}): string {
  const { status, ...rest } = filters;
  const narrowed = Object.values(rest).some((v) => v !== undefined && v !== '');
  if (status === 'awaiting_approval') return tr(narrowed ? 'empty.waitingFiltered' : 'empty.waiting');
  if (status || narrowed) return tr('empty.filtered');
  return tr('empty.none');
}
