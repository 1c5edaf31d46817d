// What the pieces of the sync engine share: its dependencies, the run's visible state and helpers.
import type { Db } from '../../platform/db/connection';
import type { Clock } from '../../platform/util/clock';
import type { Logger } from '../../platform/util/logger';
import type { EventBus } from '../../platform/events';
import type { AuditService } from '../../platform/audit/index';
import type { AuditMerkle } from '../../platform/audit/merkle';
import type { SecretStore } from '../../platform/keys/secret-store';
import type { TrustedClock } from '../../platform/util/trusted-clock';
import type { BytesTransport, FetchFn } from '../../platform/device/signed-fetch';
import type { SyncPhase, SyncStatus } from '../../../shared/api/types';
import type { Message } from '../../../shared/messages';
import type { VerifyPool } from './verify-pool';
import type { SyncAlerts } from './alerts';
import type {
  ContractsReaderFactory,
  SyncAttachmentsPort,
  SyncContractUpdatesPort,
  SyncContractsPort,
  SyncKeySource,
  SyncOutboxPort,
  SyncProfilePort,
  SyncRecordsPort,
  SyncTeamPort,
} from './ports';

export interface SyncDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  audit: AuditService;
  profile: SyncProfilePort;
  outbox: SyncOutboxPort;
  records: SyncRecordsPort;
  attachments: SyncAttachmentsPort;
  tenantKeys: SyncKeySource;
  /** Keys only this device holds: used until the tenant has a tenant key (no admin device yet). */
  dataKeys: SyncKeySource;
  team: SyncTeamPort;
  secrets: () => Promise<SecretStore>;
  verifyPool: VerifyPool;
  contracts: SyncContractsPort;
  contractUpdates: SyncContractUpdatesPort;
  /** The reader of the server's contracts bundle (features/bundles' signed HTTP source). */
  contractsReader: ContractsReaderFactory;
  trustedClock: TrustedClock;
  /** Alerts, constructed before the engine (features raise them before it exists). */
  alerts: SyncAlerts;
  fetch?: FetchFn;
}

export interface RunSummary {
  batches: number;
  acked: number;
  failed: number;
  blocked: number;
  phase: SyncPhase;
}

/** What the engine shows between and during runs. */
export interface RunState {
  phase: SyncPhase;
  reachable: boolean | null;
  /** Why the last run stopped, as a message code (the renderer says it in words); null after a good run. */
  lastError: Message | null;
  progress: SyncStatus['progress'];
  /**
   * Where the next audit anchor starts when the server's anchored head is behind this device's
   * (a server restored from a backup answers `alerts.anchor.starts_at` with the seq it expects):
   * the device sends its own entries again from there, and the server checks they link to its head.
   */
  anchorFrom: number | null;
}

export interface EngineCtx {
  d: SyncDeps;
  fetchFn: FetchFn;
  /** Raw-bytes exchanges (attachment chunks): node:http, or fetchFn when one was given (tests). */
  bytes: BytesTransport;
  merkle: AuditMerkle;
  state: RunState;
  now(): string;
}
