// What capture needs from other features (structural: their services satisfy these without capture
// importing them).
import type { ContractDoc, OutboxState, Profile } from '../../../shared/api/types';

/** The local profile (features/profile). */
export interface CaptureProfilePort {
  require(): Profile;
}

/** The contract registry (features/contracts). */
export interface CaptureContractsPort {
  get(ref: string): { doc: ContractDoc };
  validate(ref: string, data: unknown): void;
}

/** The outbox (features/outbox). The enqueue calls run inside capture's submit transaction. */
export interface CaptureOutboxPort {
  enqueueRecord(recordId: string, contract: string, profile: Profile, ts: string): string;
  enqueueAttachment(hashHex: string, contract: string, profile: Profile, ts: string): void;
  recordStates(recordIds: string[]): Map<string, OutboxState>;
}

/** Governance: refuses an action the device's state does not allow (throws). */
export type CaptureGuard = (action: ContractDoc['kind']) => void;

/** A stored record, as captured. */
export interface StoredRecord {
  id: string;
  contract: string;
  /** Canonical JSON text of the captured data. */
  data: string;
  created_at: string;
  /** The language it was captured in ("en" for records from before decision 0031). */
  locale: string;
}
