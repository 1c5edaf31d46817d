// TypeScript types of every channel's request and response. The JSON Schemas in ./schemas.ts are
// their runtime twins; the dispatcher validates every request and response against them.
import type { AuditEntryBody } from '../audit-hash';
import type { RiskLevel, RiskPolicy } from '../risk';
import type { DecisionCard, RunStatus } from '../workflow/types';
import type { CardListQuery, CardListResponse, CardStats, LoadProblem, PolicyStatus, RunSummary, RunView, WorkflowInfo } from '../workflow/views';
import type { MemoryItem, MemorySearchQuery, MemorySearchResult, MemoryStats, MemoryTier, ModelStatus } from '../memory/types';
import type { BundleProgress, InstallResult, SealedStateReport, UpdateStatus, VerifyResult } from '../bundles/types';
import type { AddArtifactInput, ArtifactView, ComplianceReport, ReleaseGateResult } from '../evidence/types';
import type { TeamCardQuery, TeamCardView, TeamPage, TeamPeer, TeamRecordView, TeamRefusal, TeamRunQuery, TeamRunView, TeamStatus } from '../team/views';
import type {
  AdminDeviceDetailResponse,
  AdminDeviceListResponse,
  AdminDeviceSort,
  AdminDeviceView,
  RiskPolicyResponse,
  RiskSummaryResponse,
} from '../server-api';

export type Role = 'field' | 'reviewer' | 'admin';

export interface Profile {
  id: string;
  name: string;
  tenant: string;
  role: Role;
  deviceId: string;
  createdAt: string;
}

/** A stored entry: the hashed body plus its hash. */
export interface AuditEntry extends AuditEntryBody {
  hash: string;
}

export type AuditBreakReason = 'payload_altered' | 'link_broken' | 'seq_gap' | 'truncated_tail' | 'malformed_row';

export interface AuditHead {
  seq: number;
  hash: string;
}

export interface AuditVerifyResult {
  valid: boolean;
  checked: number;
  head: AuditHead | null;
  firstBad: { seq: number; reason: AuditBreakReason; message: string } | null;
  verifiedAt: string;
  durationMs: number;
}

export type CheckStatus = 'ok' | 'warn' | 'error';

export interface HealthCheck {
  id: string;
  service: string;
  status: CheckStatus;
  summary: string;
  figures: Record<string, number | string | boolean | null>;
}

export interface HealthReport {
  status: CheckStatus;
  checkedAt: string;
  checks: HealthCheck[];
}

export interface SystemInfo {
  version: string;
  host: 'electron' | 'web';
  dataDir: string;
  platform: string;
  schemaVersion: number;
}

export interface ContractDoc {
  contract: string;
  title: string;
  description?: string;
  kind: 'capture' | 'draft' | 'submit';
  permission: string;
  pii: string[];
  riskHints: Record<string, unknown>;
  schema: Record<string, unknown>;
}

export interface Draft {
  id: string;
  contract: string;
  data: unknown;
  createdAt: string;
  updatedAt: string;
}

export type OutboxState = 'queued' | 'acked' | 'dead' | 'blocked' | 'discarded';

export interface OutboxItem {
  id: string;
  idempotencyKey: string;
  kind: 'record' | 'attachment' | 'run' | 'card' | 'approval';
  contract: string;
  recordId: string | null;
  attachmentHash: string | null;
  createdAt: string;
  state: OutboxState;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  contentHash: string | null;
  serverSeq: number | null;
  receiptVerified: boolean;
  receiptId: string | null;
  ackedAt: string | null;
  requiredVersion: string | null;
  summary: string;
}

export type SyncPhase = 'not_enrolled' | 'locked' | 'idle' | 'offline' | 'syncing' | 'error';

export interface SyncStatus {
  phase: SyncPhase;
  enrolled: null | { serverUrl: string; deviceId: string; tenant: string; user: string; roles: Role[]; serverKeyId: string; enrolledAt: string };
  reachable: boolean | null;
  lastSyncAt: string | null;
  lastError: string | null;
  counts: Record<OutboxState, number>;
  progress: null | { itemsTotal: number; itemsDone: number; bytesTotal: number; bytesDone: number };
  keyStore: { kind: 'keychain' | 'vault'; locked: boolean; note: string };
  alerts: { id: number; at: string; code: string; message: string; subject: string }[];
  anchor: null | { seq: number; head: string; time: string };
}

export interface GovernanceStatus {
  risk: { level: 'low' | 'medium' | 'high' | 'critical'; reasons: string[]; allowedActions: ('read' | 'capture' | 'draft' | 'submit' | 'sync')[] };
  /** The trusted time: never earlier than a time already seen (clock rollback does not help). */
  now: string;
  clockRolledBack: boolean;
  lastSyncAt: string | null;
  submitFreshnessHours: number;
  freshForSubmit: boolean;
  pendingCount: number;
  /** What the sync server last said about this device (null until it said anything). Its flags are part of `risk`. */
  server: null | {
    blocked: boolean;
    blockedAt: string | null;
    blockedReason: string | null;
    updateRequired: boolean;
    /** The server's own evaluation (tenant policy), as of `at`. */
    risk: { level: 'low' | 'medium' | 'high' | 'critical'; reasons: string[] };
    /** When this device received it. */
    at: string;
  };
}

/** What an admin can do to a device from the board (each needs a reason; the server audits it). */
export const ADMIN_DEVICE_ACTIONS = ['block', 'unblock', 'require-update', 'clear-update', 'revoke'] as const;
export type AdminDeviceAction = (typeof ADMIN_DEVICE_ACTIONS)[number];

/** Query of the admin devices table; mirrors GET /v1/admin/devices. */
export interface AdminDeviceListRequest {
  level?: RiskLevel;
  sort?: AdminDeviceSort;
  dir?: 'asc' | 'desc';
  q?: string;
  limit?: number;
  cursor?: string;
}

/** Largest attachment a device stores and syncs (the main process refuses more). */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;

export type Empty = Record<string, never>;

export interface Channels {
  'system.info': { req: Empty; res: SystemInfo };
  'system.health': { req: Empty; res: HealthReport };
  'profile.get': { req: Empty; res: { profile: Profile | null } };
  'profile.setup': { req: { name: string; tenant: string }; res: { profile: Profile } };
  'audit.append': { req: { note: string; subject?: string }; res: { entry: AuditEntry } };
  'audit.list': {
    req: {
      limit?: number;
      beforeSeq?: number;
      action?: string;
      actor?: string;
      fromTs?: string;
      toTs?: string;
    };
    res: { entries: AuditEntry[]; total: number; nextBeforeSeq: number | null };
  };
  'audit.get': { req: { seq: number }; res: { entry: AuditEntry } };
  'audit.facets': { req: Empty; res: { actions: string[]; actors: string[] } };
  'audit.verify': { req: { knownHead?: AuditHead }; res: AuditVerifyResult };
  'contracts.list': { req: Empty; res: { contracts: ContractDoc[] } };
  'drafts.save': { req: { id?: string; contract: string; data: Record<string, unknown> }; res: { draft: Draft } };
  'drafts.list': { req: Empty; res: { drafts: Draft[] } };
  'drafts.get': { req: { id: string }; res: { draft: Draft } };
  'drafts.delete': { req: { id: string }; res: { deleted: true } };
  'attachments.put': { req: { name: string; mime: string; dataBase64: string }; res: { hash: string; ref: string; size: number } };
  'attachments.get': { req: { hash: string }; res: { name: string; mime: string; size: number; dataBase64: string } };
  'capture.submit': { req: { contract: string; data: Record<string, unknown>; draftId?: string }; res: { recordId: string; outboxId: string } };
  'records.list': { req: { limit?: number }; res: { records: { id: string; contract: string; createdAt: string; state: string | null }[] } };
  'outbox.list': { req: { state?: OutboxState; limit?: number; beforeId?: string }; res: { items: OutboxItem[]; counts: Record<OutboxState, number> } };
  'outbox.retry': { req: { id: string }; res: { item: OutboxItem } };
  'outbox.discard': { req: { id: string; reason: string; confirm: true }; res: { item: OutboxItem } };
  'sync.status': { req: Empty; res: SyncStatus };
  'sync.now': { req: Empty; res: SyncStatus };
  'sync.enroll': { req: { serverUrl: string; token: string }; res: SyncStatus };
  'sync.rotateKey': { req: Empty; res: { tenant: string; version: number } };
  'keys.unlock': { req: { passphrase: string }; res: SyncStatus };
  'governance.status': { req: Empty; res: GovernanceStatus };
  'admin.devices.list': { req: AdminDeviceListRequest; res: AdminDeviceListResponse };
  'admin.devices.get': { req: { id: string }; res: AdminDeviceDetailResponse };
  'admin.devices.act': { req: { id: string; action: AdminDeviceAction; reason: string; confirm: true }; res: { device: AdminDeviceView } };
  'admin.summary': { req: Empty; res: RiskSummaryResponse };
  'admin.policy.get': { req: Empty; res: RiskPolicyResponse };
  'admin.policy.set': { req: { policy: RiskPolicy; reason: string; confirm: true }; res: RiskPolicyResponse };
  'workflows.list': { req: Empty; res: { workflows: WorkflowInfo[]; problems: LoadProblem[] } };
  'runs.start': { req: { workflow: string; input: Record<string, unknown> }; res: { run: RunView } };
  'runs.list': { req: { status?: RunStatus; limit?: number; beforeId?: string }; res: { runs: RunSummary[]; nextBeforeId: string | null } };
  'runs.get': { req: { id: string }; res: { run: RunView; cards: DecisionCard[] } };
  'runs.decide': { req: { runId: string; decision: 'approve' | 'reject'; comment: string; confirm: true }; res: { run: RunView } };
  'cards.list': { req: CardListQuery; res: CardListResponse };
  'cards.get': { req: { id: string }; res: { card: DecisionCard } };
  'cards.stats': { req: { days?: number }; res: CardStats };
  'policy.status': { req: Empty; res: PolicyStatus };
  'policy.reload': { req: Empty; res: PolicyStatus };
  'bundles.report': { req: Empty; res: SealedStateReport };
  'bundles.install': { req: { source: BundleSource; opId?: string }; res: InstallResult };
  'bundles.available': { req: Empty; res: { bundles: AvailableBundle[] } };
  'bundles.verify': { req: { id?: number; opId?: string }; res: { results: VerifyResult[] } };
  'bundles.activate': { req: { id: number; reason: string; confirm: true }; res: InstallResult };
  'updates.status': { req: Empty; res: UpdateStatus };
  'updates.install': { req: { confirm: true }; res: UpdateStatus };
  'memory.search': { req: MemorySearchQuery; res: MemorySearchResult };
  'memory.get': { req: { id: string }; res: { item: MemoryItem } };
  'memory.add': { req: { tier: Exclude<MemoryTier, 'working'>; text: string; locale: string; sourceRefs?: string[] }; res: { item: MemoryItem } };
  'memory.pin': { req: { id: string }; res: { item: MemoryItem } };
  'memory.delete': { req: { id: string; reason: string; confirm: true }; res: { deleted: true } };
  'memory.stats': { req: Empty; res: MemoryStats };
  'models.status': { req: Empty; res: ModelStatus };
  'models.reload': { req: Empty; res: ModelStatus };
  'evidence.exportPack': { req: { runId: string; includePii?: boolean; opId?: string }; res: PackExport };
  'evidence.verifyPack': { req: { path: string }; res: PackVerifyReport };
  /** Abort running generations (all, or one run's). */
  'inference.abort': { req: { runId?: string }; res: { aborted: number } };
  /** Run artifacts and the release gate (src/main/features/evidence). */
  'artifacts.add': { req: AddArtifactInput; res: { artifact: ArtifactView } };
  'artifacts.list': { req: { runId: string }; res: { artifacts: ArtifactView[] } };
  'release.gate': { req: { runId: string }; res: ReleaseGateResult };
  'release.report': { req: { runId: string }; res: ComplianceReport };
  /** Team sync (src/main/features/team, docs/security.md). */
  'team.status': { req: Empty; res: TeamStatus };
  /** Pull now (and, on an admin device, wrap tenant keys for devices that lack them). */
  'team.pull': { req: Empty; res: TeamStatus };
  /** Skip the item a stopped pull is held at (reason, confirm; audited): never silent. */
  'team.skip': { req: { seq: number; reason: string; confirm: true }; res: TeamStatus };
  'team.cards': { req: TeamCardQuery; res: TeamPage<TeamCardView> };
  'team.runs': { req: TeamRunQuery; res: TeamPage<TeamRunView> };
  'team.run': { req: { device: string; runId: string }; res: { run: TeamRunView; cards: TeamCardView[] } };
  /** Approve or reject a run waiting on another device (reviewer / admin): signed, encrypted, queued. */
  'team.decide': {
    req: { device: string; runId: string; cardId: string; decision: 'approve' | 'reject'; comment: string; confirm: true };
    res: { approvalId: string; state: 'queued' };
  };
  'team.refusals': { req: { limit?: number }; res: { items: TeamRefusal[] } };
  'team.peers': { req: Empty; res: { items: TeamPeer[] } };
  /** Captures other devices of the tenant sent (reviewers and admins), newest first. */
  'team.records': { req: { device?: string; limit?: number; before?: string }; res: TeamPage<TeamRecordView> };
}

/** A disclosure pack written to the device's exports folder. */
export interface PackExport {
  path: string;
  files: number;
  bytes: number;
  manifestSha256: string;
  piiIncluded: boolean;
  countersigned: boolean;
}
/** The offline verifier's report (scripts/verify-pack.mjs prints the same). */
export interface PackVerifyReport {
  ok: boolean;
  runId: string | null;
  deviceId: string | null;
  files: number;
  receipts: number;
  proofs: number;
  countersigned: boolean;
  failures: { file: string; code: string; message: string }[];
  text: string;
}

/** Where a bundle comes from: a directory (a USB stick, a share) or the enrolled sync server. */
export type BundleSource = { kind: 'path'; path: string } | { kind: 'server'; name: string };
/** A bundle the sync server offers (unsigned listing: what is fetched is verified in full). */
export interface AvailableBundle {
  name: string;
  version: string | null;
  installed: string | null;
}

export type ChannelName = keyof Channels;
export type Req<K extends ChannelName> = Channels[K]['req'];
export type Res<K extends ChannelName> = Channels[K]['res'];

export interface Events {
  'audit.appended': { seq: number; hash: string; action: string };
  'audit.verified': AuditVerifyResult;
  'audit.verify.progress': { checked: number; total: number };
  'sync.status': SyncStatus;
  /** A run changed state or finished a step (the runs and cards views refresh). */
  'runs.changed': { runId: string; status: RunStatus };
  /** Verification and install progress (bytes and ETA). */
  'bundles.progress': BundleProgress;
  /** A bundle was installed, activated, quarantined or re-verified. */
  'bundles.changed': { name: string; change: 'installed' | 'activated' | 'quarantined' | 'verified' };
  /** Disclosure pack export progress. */
  'evidence.pack.progress': { opId: string; phase: 'collect' | 'proofs' | 'write' | 'done'; done: number; total: number };
  /** Model load progress and status changes. */
  'models.status': ModelStatus;
  'memory.changed': { id: string; change: 'added' | 'deleted' | 'pinned' | 'compacted' | 'evicted' };
  /** A pull applied items or stopped; a decision made here changed state. */
  'team.changed': { cursor: number; applied: number; stopped: boolean };
}
export type EventName = keyof Events;
