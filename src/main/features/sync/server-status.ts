// The server's last word on this device: blocked by an administrator, app update required, and the
// risk the server computes for it (with the tenant's policy). Written from every sync reply and from
// a device_blocked refusal; read by governance, which feeds the flags into the local risk.
import { prepared, type Db } from '../../platform/db/connection';
import { riskReasonsFromWire, type RiskLevel } from '../../../shared/risk/index';
import type { Message } from '../../../shared/messages';
import { readSyncConfig, type SyncConfig } from '../../platform/device/sync-config';

export interface ServerDeviceStatus {
  blocked: boolean;
  /** When the administrator blocked it, and why, as the server said (a refusal carries them). */
  blockedAt: string | null;
  blockedReason: string | null;
  updateRequired: boolean;
  /** The server's view of this device's risk, as of `at` (reasons as messages). */
  risk: { level: RiskLevel; reasons: Message[] };
  /** When this device received it (device time). */
  at: string;
}

interface Row {
  blocked: number;
  blocked_at: string | null;
  blocked_reason: string | null;
  update_required: number;
  risk_level: RiskLevel;
  risk_reasons: string;
  at: string;
}

export function readServerStatus(db: Db): ServerDeviceStatus | null {
  const r = prepared(db, 'SELECT * FROM server_device_status WHERE singleton = 1').get() as Row | undefined;
  if (!r) return null;
  return {
    blocked: r.blocked === 1,
    blockedAt: r.blocked_at,
    blockedReason: r.blocked_reason,
    updateRequired: r.update_required === 1,
    // A row written before messages as codes holds sentences: they show as they are (risk.text).
    risk: { level: r.risk_level, reasons: riskReasonsFromWire(JSON.parse(r.risk_reasons) as (string | Message)[]) },
    at: r.at,
  };
}

/** The sync feature's reads of the enrolled config and the server's word, for governance (constructed before the engine). */
export class DeviceSyncState {
  constructor(private readonly db: Db) {}

  config(): SyncConfig | null {
    return readSyncConfig(this.db);
  }

  /** The server's last known status of this device (null until a reply or refusal said anything). */
  serverStatus(): ServerDeviceStatus | null {
    return readServerStatus(this.db);
  }
}

export function writeServerStatus(db: Db, s: ServerDeviceStatus): void {
  prepared(
    db,
    `INSERT INTO server_device_status (singleton, blocked, blocked_at, blocked_reason, update_required, risk_level, risk_reasons, at)
     VALUES (1, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (singleton) DO UPDATE SET blocked = excluded.blocked, blocked_at = excluded.blocked_at, blocked_reason = excluded.blocked_reason,
       update_required = excluded.update_required, risk_level = excluded.risk_level, risk_reasons = excluded.risk_reasons, at = excluded.at`,
  ).run(s.blocked ? 1 : 0, s.blockedAt, s.blockedReason, s.updateRequired ? 1 : 0, s.risk.level, JSON.stringify(s.risk.reasons), s.at);
}
