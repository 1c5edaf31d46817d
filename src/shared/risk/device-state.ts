// A device's state as messages (`risk.state.*`, `risk.allowed.*` codes): the one source the Outbox
// risk card, Health (through governance) and the admin board read, so no view says "in sync" for a
// device that never enrolled or lists sync as allowed for a device the server refuses. Pure: the
// risk result and the clock are inputs; the renderer puts the messages into the user's language.
import { msg, type Message } from '../messages';
import { DAY_MS, parseIsoMs, roundDays, RISK_ACTIONS, type RiskAction, type RiskLevel, type RiskResult } from './index';

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
  /** The state, one message per sentence (the risk reasons when there are any). */
  summary: Message[];
  /** "You can read and capture; sync is refused until …": what `allowed` means, one message per sentence. */
  allowedSentence: Message[];
}

export const DEFAULT_SUBMIT_FRESHNESS_HOURS = 24;

/** "In sync: last sync 3 hours ago.": just now, minutes, hours (under 48), else days (as the reasons count them). */
function inSync(ms: number): Message {
  const min = Math.floor(Math.max(0, ms) / 60_000);
  if (min < 1) return msg('risk.state.in_sync.now');
  if (min < 60) return msg('risk.state.in_sync.minutes', { n: min });
  const h = Math.floor(min / 60);
  if (h < 48) return msg('risk.state.in_sync.hours', { n: h });
  return msg('risk.state.in_sync.days', { days: roundDays(ms / DAY_MS) });
}

/** "Allowed now: read and capture.": one key per list of actions, in RISK_ACTIONS order (`read_capture`). */
function allowedMessage(allowed: readonly RiskAction[], reader: 'device' | 'admin'): Message {
  const list = RISK_ACTIONS.filter((a) => allowed.includes(a));
  return msg(`risk.allowed.${reader === 'admin' ? 'admin' : 'device'}.${list.length ? list.join('_') : 'nothing'}`);
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
  const queued = input.pendingCount === 0 ? [] : [msg('risk.state.queued', { count: input.pendingCount })];

  let summary: Message[];
  if (revoked) summary = [msg('risk.state.revoked'), ...queued];
  else if (!input.enrolled) summary = [msg('risk.state.not_enrolled'), ...queued];
  else if (input.risk.reasons.length) summary = input.risk.reasons.slice();
  else if (sinceSyncMs === null) summary = [msg('risk.state.not_synced'), ...queued];
  else summary = [inSync(sinceSyncMs), ...queued];

  const can = allowedMessage(allowed, input.reader ?? 'device');
  const why = revoked
    ? msg('risk.allowed.why.revoked')
    : blocked
      ? msg('risk.allowed.why.blocked')
      : !input.enrolled
        ? msg('risk.allowed.why.not_enrolled')
        : !freshForSubmit && input.risk.allowedActions.includes('submit')
          ? msg('risk.allowed.why.stale', { hours })
          : null;

  return {
    enrolled: input.enrolled,
    synced: sinceSyncMs === null ? 'never' : sinceSyncMs <= hours * 3_600_000 ? 'fresh' : 'stale',
    level: input.risk.level,
    blocked,
    revoked,
    freshForSubmit,
    allowed,
    summary,
    allowedSentence: why ? [can, why] : [can],
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
