// What memory needs from other features (structural: their services satisfy these).
import type { ContractDoc } from '../../../shared/api/types';

export type { Embedder } from '../inference/types';

/** The loaded data contracts (features/contracts' registry): which fields of a record are PII. */
export interface ContractLookup {
  has(ref: string): boolean;
  get(ref: string): { doc: Pick<ContractDoc, 'pii'> };
}

/** Captured records by id (features/capture's record reader). */
export interface CapturedRecords {
  record(id: string): { contract: string; data: unknown } | undefined;
}

/** The audit log's entries by sequence number (platform/audit): the subject of one entry. */
export interface AuditEntries {
  get(seq: number): { subject: string } | null;
}

/** The embedder in use now (features/inference). */

/**
 * The prompt-injection detector (features/policy: rules + classifier), so memory refuses to store
 * or pin a text that reads as instructions to the assistant: memory feeds every AI step.
 */
export interface InjectionScreen {
  (text: string): { detected: boolean; families: string[]; excerpt: string | null };
}
