// What evidence needs from other features (their services satisfy these structurally).
import type { Approval, DecisionCard, RunStatus } from '../../../shared/workflow/types';
import type { Profile } from '../../../shared/api/types';
import type { SecretStore } from '../../platform/keys/secret-store';

/** A decision card to record (features/cards' NewCard). */
export type NewEvidenceCard = Omit<DecisionCard, 'id' | 'createdAt' | 'auditHash' | 'approval'> & { approval?: Approval };

/** The card store (features/cards): the release gate records a card. */
export interface EvidenceCardsPort {
  record(card: NewEvidenceCard, actor: string): { id: string };
}

/** The little of the run service the evidence service reads. `get` throws NOT_FOUND for an unknown run. */
export interface RunLookup {
  get(runId: string): { status: RunStatus };
}

/** The attachment store (features/capture): artifacts' bytes, content-addressed. */
export interface ArtifactStorePort {
  put(bytes: Buffer, name: string, mime: string, nowIso: string): { hash: string };
}

/** Where the release-gate rule comes from; `params()` is the active policy document's params (null: none loaded). */
export interface GatePolicySource {
  params(): Record<string, unknown> | null;
  version(): string | null;
}

/** Runs (features/runs) as the disclosure pack reads them: the run, its step outputs and its cards. */
export interface PackRunsPort {
  get(runId: string): { workflow: string; status: RunStatus; steps: { output: Record<string, unknown> | null }[] };
  cards: { forRun(runId: string): DecisionCard[] };
}

/** Outbox items (features/outbox): their stored receipts. */
export interface PackOutboxPort {
  find(id: string): { id: string; idempotency_key: string; content_hash: string | null; receipt: string | null } | undefined;
}

/** Captured records and attachments (features/capture). */
export interface PackRecordsPort {
  getRecord(id: string): { id: string; contract: string; data: string; created_at: string } | undefined;
}
export interface PackAttachmentsPort {
  read(hashHex: string): { bytes: Buffer };
}

/** Contracts (features/contracts): which fields are PII. */
export interface PackContractsPort {
  has(ref: string): boolean;
  get(ref: string): { doc: { pii: readonly string[] } };
}

/** Installed bundles (features/bundles): the active ones, and the digest of each one's signed targets. */
export interface PackBundlesPort {
  report(): { bundles: { id: number; active: boolean; name: string; version: string; kind: string }[] };
}
export interface PackBundleDigestsPort {
  targetsSha256(installId: number): string | undefined;
}

/** What the disclosure pack reads beyond the evidence service's own deps. */
export interface PackSources {
  secrets: () => Promise<SecretStore>;
  profile: { get(): Profile | null };
  runs: PackRunsPort;
  outbox: PackOutboxPort;
  records: PackRecordsPort;
  attachments: PackAttachmentsPort;
  contracts: PackContractsPort;
  bundles: PackBundlesPort;
  bundleDigests: PackBundleDigestsPort;
}
