// The rules that turn what the app sees (run status changes, the tenant's waiting runs, sync status)
// into notices (decision 0028, Notifications). Pure: the watcher feeds them and keeps the state.
// A notice carries no person's name, no record value and no free text: its kind, an outcome, the
// workflow's title (from its manifest, never the run's title, which holds record values) and ids
// for the in-app list's details.
import type { SyncStatus } from '../../../shared/api/index';
import type { TeamRunView } from '../../../shared/team/views';
import type { DecisionCard, RunStatus } from '../../../shared/workflow/types';
import type { RunSummary } from '../../../shared/workflow/views';

export const NOTIFY_KINDS = ['approvalDecided', 'runWaiting', 'runFinished', 'syncFailing', 'deviceBlocked'] as const;
export type NotifyKind = (typeof NOTIFY_KINDS)[number];

export type NoticeOutcome = 'approved' | 'rejected' | 'succeeded' | 'failed';

/** A run a notice opens: `device` null for this device's own runs. */
export interface RunRef {
  device: string | null;
  runId: string;
}

/** A notification before it is worded (words.ts). */
export interface Notice {
  kind: NotifyKind;
  /** One key per event: the same event never notifies twice. */
  key: string;
  outcome: NoticeOutcome | null;
  /** The workflow's title from its manifest (or its id when this device does not know it). */
  workflow: string | null;
  run: RunRef | null;
  /** runWaiting: how many runs the notice stands for (several at once are one notice). */
  count: number;
  /** syncFailing: the delay that passed, in minutes. */
  minutes: number;
}

export const notice = (kind: NotifyKind, key: string, p: Partial<Omit<Notice, 'kind' | 'key'>> = {}): Notice => ({
  kind,
  key,
  outcome: null,
  workflow: null,
  run: null,
  count: 1,
  minutes: 0,
  ...p,
});

const TERMINAL: ReadonlySet<RunStatus> = new Set<RunStatus>(['succeeded', 'failed', 'rolled_back']);

/**
 * What a status change of this device's run means: it left awaiting_approval (a decision arrived,
 * here or pulled from a reviewer's device), and / or it finished. A run the watcher did not know
 * (started after the baseline) counts as pending before.
 */
export function localChange(prev: RunStatus | undefined, next: RunStatus): { decided: boolean; finished: 'succeeded' | 'failed' | null } {
  const was = prev ?? 'pending';
  return {
    decided: was === 'awaiting_approval' && next !== 'awaiting_approval',
    finished: !TERMINAL.has(was) && TERMINAL.has(next) ? (next === 'succeeded' ? 'succeeded' : 'failed') : null,
  };
}

/**
 * Approved or rejected: the run's latest approval.decide card (its id tells one decision from the
 * next on a run reviewed twice), else what the run did next.
 */
export function approvalOutcome(
  run: Pick<RunSummary, 'status' | 'errorCode'>,
  cards: readonly DecisionCard[],
): { outcome: 'approved' | 'rejected'; cardId: string | null } {
  const decided = cards
    .filter((c) => c.kind === 'approval.decide' && (c.status === 'approved' || c.status === 'rejected'))
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  const last = decided[decided.length - 1];
  if (last) return { outcome: last.status === 'rejected' ? 'rejected' : 'approved', cardId: last.id };
  const rejected = run.errorCode === 'REJECTED' || run.status === 'compensating' || run.status === 'rolled_back';
  return { outcome: rejected ? 'rejected' : 'approved', cardId: null };
}

/** Who is asking: this profile, whether its roles may decide, and whether four eyes applies. */
export interface Me {
  profileId: string | null;
  canDecide: boolean;
  /**
   * Four eyes (INV.APPROVAL.NOT_OWN_RUN): nobody decides a run they started. On in the shipped
   * policy; the renderer does not see the policy's params, so the watcher keeps it on.
   */
  fourEyes: boolean;
}

/** The identity of one wait: a run waiting again on another card is a new wait. */
export const waitKey = (v: Pick<TeamRunView, 'device' | 'awaitingCard'> & { run: { id: string } }): string => `${v.device}/${v.run.id}/${v.awaitingCard ?? ''}`;

/**
 * A run waiting for this person: awaiting approval on a card, this person may decide (reviewer or
 * admin), it is not their own run while four eyes applies (one profile per device: this device's
 * runs are its user's), and no decision from here stands (a refused one may be made again).
 */
export function waitingForMe(v: TeamRunView, me: Me): boolean {
  if (!me.canDecide || v.run.status !== 'awaiting_approval' || !v.awaitingCard) return false;
  const own = v.local || (me.profileId !== null && v.run.startedBy === me.profileId);
  if (me.fourEyes && own) return false;
  return !v.decision || v.decision.state === 'refused';
}

type SyncView = Pick<SyncStatus, 'phase' | 'lastError' | 'enrolled'>;

/**
 * How long sync has been failing. A failure starts when an enrolled device's status says error or
 * offline with an error, and lasts until a run succeeds (idle, no error), the device leaves
 * enrollment or locks; the brief 'syncing' of each retry does not end it. A failure already there
 * when the watcher starts is timed from then, so it notifies only once the delay passed in view.
 */
export class SyncFailureClock {
  private since: number | null = null;
  private told = false;

  observe(s: SyncView, now: number): void {
    if (s.phase === 'syncing') return;
    const failing = s.enrolled !== null && (s.phase === 'error' || s.phase === 'offline') && s.lastError !== null;
    if (failing) {
      this.since ??= now;
      return;
    }
    this.since = null;
    this.told = false;
  }

  /** The failure's start, once it has lasted `delayMs` (at most once per failure); else null. */
  due(now: number, delayMs: number): number | null {
    if (this.since === null || this.told || now - this.since < delayMs) return null;
    this.told = true;
    return this.since;
  }
}

/** The open alerts that say an administrator blocked this device (raised once per block). */
export const blockedAlertIds = (alerts: SyncStatus['alerts']): number[] => alerts.filter((a) => a.code === 'DEVICE_BLOCKED').map((a) => a.id);
