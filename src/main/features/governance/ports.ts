// What governance reads from other features (their services satisfy these structurally).
import type { GovernanceStatus, OutboxState, Profile } from '../../../shared/api/types';

export interface GovernanceContractsPort {
  versions(): Record<string, string>;
}

export interface GovernanceOutboxPort {
  counts(): Record<OutboxState, number>;
}

export interface GovernanceProfilePort {
  get(): Profile | null;
}

/** The sync feature's state: the enrolled config and the server's last word on this device. */
export interface GovernanceSyncPort {
  config(): { lastSyncAt: string | null; enrolledAt: string; contracts: Record<string, string> } | null;
  serverStatus(): GovernanceStatus['server'];
}
