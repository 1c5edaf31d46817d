// A device's state in words: the one source the Outbox risk card, Health (through governance) and the
// admin board read, so no view says "in sync" for a device that never enrolled or lists sync as
// allowed for a device the server refuses. Pure: the risk result and the clock are inputs.
import { DAY_MS, formatDays, parseIsoMs, type RiskAction, type RiskLevel, type RiskResult } from './index';

export interface DeviceStateInput {
  /** ISO time the state is for. */
  now: string;
  /** Enrolled with a sync server (every device on the admin board is). */
  enrolled: boolean;
  /** Last accepted sync, or null. */
  lastSyncAt: string | null;
  /** evaluateRisk's result for the device. */
  risk: RiskResult;
  /** Items waiting to be sent. */
  pendingCount: number;
  /** The server refuses this device's sync until an administrator unblocks it. */
  blocked?: boolean;
  /** The device's keys were revoked: it must be enrolled again. */
  revoked?: boolean;
  /** A submission needs a sync within this many hours (default 24). */
  submitFreshnessHours?: number;
  /** Who reads it: the device itself ("Allowed now: …", default) or an admin ("Allowed on the device: …"). */
  reader?: 'device' | 'admin';
}

export interface DeviceState {
  enrolled: boolean;
  /** never: no accepted sync yet; fresh: within the submit window; stale: older. */
  synced: 'never' | 'fresh' | 'stale';
  level: RiskLevel;
  blocked: boolean;
  revoked: boolean;
  freshForSubmit: boolean;
  /** What the device may do now (the risk's actions, less what enrollment, the server or freshness rule out). */
  allowed: RiskAction[];
  /** One plain sentence on the state. */
  summary: string;
  /** "You can read and capture; sync is refused until …": what `allowed` means, in words. */
  allowedSentence: string;
}

export const DEFAULT_SUBMIT_FRESHNESS_HOURS = 24;

const WORDS: Record<RiskAction, string> = { read: 'read', capture: 'capture', draft: 'keep drafts', submit: 'submit', sync: 'sync' };

/** "a", "a and b", "a, b and c". */
export function listWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]!}`;
}

/** "just now", "5 minutes ago", "3 hours ago", "2 days ago". */
export function ago(ms: number): string {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return 'just now';
  if (min < 60) return `${min} ${min === 1 ? 'minute' : 'minutes'} ago`;
  const h = Math.floor(min / 60);
  if (h < 48) return `${h} ${h === 1 ? 'hour' : 'hours'} ago`;
  return `${formatDays(ms / DAY_MS)} ago`;
}

export function deviceState(input: DeviceStateInput): DeviceState {
  const hours = input.submitFreshnessHours ?? DEFAULT_SUBMIT_FRESHNESS_HOURS;
  const blocked = input.blocked === true;
  const revoked = input.revoked === true;
  const sinceSyncMs = input.lastSyncAt ? Math.max(0, parseIsoMs(input.now) - parseIsoMs(input.lastSyncAt)) : null;
  const freshForSubmit = input.enrolled && !blocked && !revoked && sinceSyncMs !== null && sinceSyncMs <= hours * 3_600_000;
  // Sync and submit need a server that accepts this device: not before enrollment, not while blocked or revoked.
  const reachesServer = input.enrolled && !blocked && !revoked;
  const allowed = input.risk.allowedActions.filter((a) => (a === 'sync' ? reachesServer : a === 'submit' ? freshForSubmit : true));
  const queued = input.pendingCount === 0 ? '' : ` ${input.pendingCount} ${input.pendingCount === 1 ? 'item waits' : 'items wait'} to be sent.`;

  let summary: string;
  if (revoked) summary = `Keys revoked: the device must be enrolled again.${queued}`;
  else if (!input.enrolled) summary = `Not enrolled with a sync server yet: captures stay on this device until it is.${queued}`;
  else if (input.risk.reasons.length) summary = input.risk.reasons.join(' ');
  else if (sinceSyncMs === null) summary = `Enrolled, not synced yet.${queued}`;
  else summary = `In sync: last sync ${ago(sinceSyncMs)}.${queued}`;

  const can = `${input.reader === 'admin' ? 'Allowed on the device' : 'Allowed now'}: ${listWords(allowed.map((a) => WORDS[a]))}.`;
  const why = revoked
    ? ' Nothing syncs until the device is enrolled again.'
    : blocked
      ? ' Nothing syncs until an administrator unblocks the device; its data stays on it.'
      : !input.enrolled
        ? ' Sync starts once the device is enrolled.'
        : !freshForSubmit && input.risk.allowedActions.includes('submit')
          ? ` Submitting needs a sync within the last ${hours} hours.`
          : '';

  return {
    enrolled: input.enrolled,
    synced: sinceSyncMs === null ? 'never' : sinceSyncMs <= hours * 3_600_000 ? 'fresh' : 'stale',
    level: input.risk.level,
    blocked,
    revoked,
    freshForSubmit,
    allowed,
    summary,
    allowedSentence: can + why,
  };
}

/** A device as the admin board lists it (AdminDeviceView's fields this needs). */
export interface BoardDevice {
  lastSyncAt: string | null;
  pendingCount: number;
  blocked: boolean;
  revoked: boolean;
  risk: RiskResult;
}

/** The admin board's word on a device: every listed device is enrolled; the server's flags count. */
export function boardDeviceState(d: BoardDevice, now: string): DeviceState {
  return deviceState({
    now,
    enrolled: true,
    lastSyncAt: d.lastSyncAt,
    risk: d.risk,
    pendingCount: d.pendingCount,
    blocked: d.blocked,
    revoked: d.revoked,
    reader: 'admin',
  });
}
