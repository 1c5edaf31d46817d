// The server's word on this device (blocked, update required, its risk), from a sync reply or a
// device_blocked refusal: stored, with an alert and an audit entry when a flag turns on or off.
import type { DeviceStatusWire } from '../../../shared/sync/protocol';
import type { DeviceBlockedDetails } from '../../../shared/server-api';
import { blockedMessage, UPDATE_REQUIRED_MESSAGE } from '../../../shared/risk/device-messages';
import { REASON_BLOCKED, riskReasonsFromWire } from '../../../shared/risk/index';
import type { Message } from '../../../shared/messages';
import { readServerStatus, writeServerStatus, type ServerDeviceStatus } from './server-status';
import type { EngineCtx } from './context';

type Next = Omit<ServerDeviceStatus, 'at'>;

/** The status a device_blocked refusal implies (its details when they are well formed). */
export function blockedStatus(ctx: EngineCtx, details: DeviceBlockedDetails | null): Next {
  const prev = readServerStatus(ctx.d.db);
  return {
    blocked: true,
    blockedAt: details?.blockedAt ?? null,
    blockedReason: details?.blockedReason ?? null,
    updateRequired: details?.deviceStatus.updateRequired ?? prev?.updateRequired ?? false,
    risk: details
      ? { level: details.deviceStatus.risk.level, reasons: riskReasonsFromWire(details.deviceStatus.risk.reasons) }
      : { level: 'critical' as const, reasons: [REASON_BLOCKED] },
  };
}

/** A sync reply's deviceStatus. An accepted batch means the device is not blocked (any more). */
export function applyReplyStatus(ctx: EngineCtx, st: DeviceStatusWire, deviceId: string): void {
  const prev = readServerStatus(ctx.d.db);
  applyServerStatus(
    ctx,
    {
      blocked: st.blocked,
      blockedAt: st.blocked ? (prev?.blockedAt ?? null) : null,
      blockedReason: st.blocked ? (prev?.blockedReason ?? null) : null,
      updateRequired: st.updateRequired,
      risk: { level: st.risk.level, reasons: riskReasonsFromWire(st.risk.reasons) },
    },
    deviceId,
  );
}

/**
 * Stores the status; raises an alert (and an audit entry) once when the device becomes blocked or
 * update-required, and resolves it when a later reply says that is over.
 */
export function applyServerStatus(ctx: EngineCtx, next: Next, deviceId: string): void {
  const { d } = ctx;
  const prev = readServerStatus(d.db);
  const change = (was: boolean | undefined, is: boolean, code: string, message: Message, on: string, off: string, payload: Record<string, unknown>): void => {
    if (is && !was) {
      d.alerts.raise(code, message, deviceId);
      d.audit.append({ actor: 'service:sync', action: on, subject: deviceId, payload });
    } else if (!is && was) {
      d.alerts.resolve(code);
      d.audit.append({ actor: 'service:sync', action: off, subject: deviceId, payload: {} });
    }
  };
  d.db.transaction(() => {
    writeServerStatus(d.db, { ...next, at: ctx.now() });
    change(prev?.blocked, next.blocked, 'DEVICE_BLOCKED', blockedMessage(next), 'device.blocked_by_server', 'device.unblocked_by_server', {
      blockedAt: next.blockedAt,
      reason: next.blockedReason,
    });
    change(
      prev?.updateRequired,
      next.updateRequired,
      'UPDATE_REQUIRED',
      UPDATE_REQUIRED_MESSAGE,
      'device.update_required_by_server',
      'device.update_cleared_by_server',
      {},
    );
  })();
}
