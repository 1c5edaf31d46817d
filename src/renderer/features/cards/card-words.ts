// Pure words of a decision card (no API, no DOM): what happened, why it needs this person and what to do
// next, from the card's status, its failed checks and the invariants' plain texts (policy.texts). Codes,
// expressions and raw values stay on the card's Details; nothing here shows them.
import type { PlainText, Role } from '../../../shared/policy/types';
import type { DecisionCard, InvariantResult } from '../../../shared/workflow/types';
import { count } from '../../ui/format';

/** A wait with no failed check of its own: the workflow's review gate, which a RED lane closes. */
export const GATE_WAIT = {
  red: 'This work is marked high risk (red), so a reviewer must approve it before it goes on.',
  other: 'This work waits for a reviewer’s approval before it goes on.',
};

/** Invariant id → language → its words (what policy.texts returns). */
export type TextsById = Record<string, Record<string, PlainText | undefined> | undefined>;

/** The run engine's own budget checks: not in the policy files, so their words live here. */
const ENGINE_TEXTS: Record<string, PlainText> = {
  'INV.ENGINE.BUDGET_TOKENS': {
    what: 'AI steps stay within the AI capacity this work is allowed.',
    failed: 'This step would need more AI capacity than is left for this work.',
    next: 'Use shorter text, or ask an admin to raise the AI limit.',
  },
  'INV.ENGINE.BUDGET_COST': {
    what: 'Steps stay within the money this work is allowed.',
    failed: 'This step would cost more than the money left for this work.',
    next: 'Ask an admin to raise the spending limit, or start again with less to do.',
  },
  'INV.ENGINE.WALL_TIME': {
    what: 'The work finishes within the time it is allowed.',
    failed: 'This work would take longer than it is allowed.',
    next: 'Start the work again for the remaining steps, or ask an admin for more time.',
  },
};

/** A check this device has no words for (another policy version, another kind of card). */
const UNKNOWN: PlainText = {
  what: 'One of your organisation’s rules.',
  failed: 'One of your organisation’s rules did not pass.',
  next: 'Open Details to see which rule, or ask an admin what to do.',
};

/** A check's words in `lang`, falling back to English, then to the engine's own words, then to a general sentence. */
export function plainOf(id: string, texts: TextsById, lang = 'en'): PlainText {
  const t = texts[id];
  return t?.[lang] ?? t?.en ?? ENGINE_TEXTS[id] ?? UNKNOWN;
}

/** Whether a failed check only waits for an approval: the engine's own rule (approval checks, or any check reading approval.state). */
export const isApprovalCheck = (r: InvariantResult): boolean =>
  /^INV\.APPROVAL(\.|$)/.test(r.id) || Object.prototype.hasOwnProperty.call(r.values, 'approval.state');

/** An invariant id at the start of a reason line (`INV.X.Y: message`), as the engine writes run errors. */
export const reasonInvariant = (reason: string): string | null => /^(INV(?:\.[A-Z0-9_]+)+):/.exec(reason)?.[1] ?? null;

export const canReviewRoles = (roles: readonly Role[]): boolean => roles.includes('reviewer') || roles.includes('admin');

const ROLE_WORDS: Record<Role, string> = { field: 'field user', reviewer: 'reviewer', admin: 'admin' };

/** "reviewer and admin"; "not enrolled" with no role. */
export function rolesInWords(roles: readonly Role[]): string {
  const w = roles.map((r) => ROLE_WORDS[r]);
  if (!w.length) return 'not enrolled in a team yet';
  return w.length === 1 ? w[0]! : `${w.slice(0, -1).join(', ')} and ${w[w.length - 1]}`;
}

/** "a reviewer", "an admin". */
export const withArticle = (words: string): string => `${/^[aeiou]/i.test(words) ? 'an' : 'a'} ${words}`;

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
  if (n === 0) return 'No checks recorded';
  if (!failed.length) return n === 1 ? 'The check passed' : `All ${count(n, 'check')} passed`;
  if (held && card.status === 'approved') return 'Held for approval, then approved';
  if (held && card.status === 'rejected') return 'Held for approval, then rejected';
  if (held && card.status === 'awaiting_approval') return 'Waiting for approval';
  return `${failed.length} of ${count(n, 'check')} did not pass`;
}

/** The words that lead a card: what happened, why it needs this person, what to do next. */
export function cardLead(card: DecisionCard, ctx: LeadContext): CardLead {
  const failed = card.invariants.filter((i) => !i.pass);
  const plain = (r: InvariantResult) => plainOf(r.id, ctx.texts, ctx.lang);
  const problems = unique(failed.map((r) => plain(r).failed));
  const checks = checksLine(card);
  const who = (id: string | null) => (id ? (ctx.nameOf?.(id) ?? id) : 'a reviewer');
  const comment = card.approval.comment ? `: “${card.approval.comment}”` : '.';
  if (!RUN_KINDS.has(card.kind)) {
    // Cards written outside runs (a quarantined bundle, a model fallback, a release gate) carry their own sentence.
    return { what: card.rationale, why: null, next: null, problems, checks, tone: card.status === 'denied' ? 'error' : 'ok' };
  }
  const reviewer = canReviewRoles(ctx.roles);
  switch (card.status) {
    case 'awaiting_approval': {
      const held = failed.filter(isApprovalCheck);
      const what = held.length ? unique(held.map((r) => plain(r).failed)).join(' ') : card.lane === 'RED' ? GATE_WAIT.red : GATE_WAIT.other;
      const why = reviewer
        ? ctx.remote
          ? `It was recorded on another device. You are ${withArticle(rolesInWords(ctx.roles))} for this team, so you can approve or reject it here.`
          : `You are ${withArticle(rolesInWords(ctx.roles))} for this team, so you can approve or reject it.`
        : ctx.roles.length
          ? `A reviewer of your team decides. This device is enrolled as ${withArticle(rolesInWords(ctx.roles))}, so you cannot decide it yourself.`
          : 'A reviewer of your team decides. This device is not enrolled in a team yet, so you cannot decide it yourself.';
      const next = reviewer
        ? 'Check what it concerns, then approve or reject it.'
        : held[0]
          ? plain(held[0]).next
          : 'A reviewer approves or rejects it. You will see the result here.';
      return { what, why, next, problems, checks, tone: 'warn' };
    }
    case 'approved': {
      const heldNote =
        failed.length && failed.every(isApprovalCheck) ? ' The check that held it waited for this approval; it passes now that it is approved.' : '';
      const what =
        card.kind === 'approval.decide' ? `${who(card.approval.by)} approved this work${comment}` : `Approved by ${who(card.approval.by)}${comment}${heldNote}`;
      return { what, why: null, next: 'The work went on from here.', problems: [], checks, tone: 'ok' };
    }
    case 'rejected': {
      const what = card.kind === 'approval.decide' ? `${who(card.approval.by)} rejected this work${comment}` : `Rejected by ${who(card.approval.by)}${comment}`;
      return {
        what,
        why: null,
        next: 'The work stopped and its finished steps were undone. Fix what the reviewer asked for and start again.',
        problems: [],
        checks,
        tone: 'error',
      };
    }
    case 'denied': {
      const policyDenied = card.policy.decision === 'deny';
      const what = problems.length
        ? `This was stopped. ${problems.join(' ')}`
        : policyDenied
          ? 'This was stopped: your organisation’s rules do not allow it for this device or role.'
          : 'This was stopped by a check of your organisation’s rules.';
      const next = failed[0] ? plain(failed[0]).next : policyDenied ? 'Ask an admin whether this device or role should be allowed to do this.' : null;
      return { what, why: null, next, problems, checks, tone: 'error' };
    }
    default: {
      const what = card.kind === 'run.start' ? 'The work was allowed to start: every check passed.' : 'This step was allowed: every check passed.';
      return { what, why: null, next: null, problems, checks, tone: 'ok' };
    }
  }
}

/** The approval line true to the card: never "not required" beside a card that waits for one. */
export function approvalWords(card: DecisionCard, nameOf: (id: string) => string = (id) => id): string {
  const a = card.approval;
  if (a.state === 'approved' || a.state === 'rejected') return `${a.state === 'approved' ? 'Approved' : 'Rejected'} by ${a.by ? nameOf(a.by) : 'a reviewer'}`;
  if (card.status === 'awaiting_approval' || a.state === 'pending') return 'Waiting for a reviewer';
  return 'No approval needed';
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
  if (status === 'awaiting_approval')
    return narrowed
      ? 'Nothing waiting for you among these cards. Clear the other filters to see everything that waits for a decision.'
      : 'Nothing waiting for you. Cards that need an approval appear here as runs reach them.';
  if (status || narrowed) return 'No card matches these filters. Clear the filters to see every card.';
  return 'No decision cards yet. A card is written each time a run makes a decision; start a run in Runs or capture a report.';
}
