import { join } from 'node:path';
import { schemaVersion, type Db } from '../platform/db/connection';
import type { AuditService } from '../platform/audit/index';
import type { HealthRegistry } from '../platform/health';
import type { DbCheck } from '../platform/db/health';
import type { EventBus } from '../platform/events';
import type { Clock } from '../platform/util/clock';
import type { Logger } from '../platform/util/logger';
import type { TrustedClock } from '../platform/util/trusted-clock';
import { APP_VERSION } from '../platform/version';
import type { SecretStore } from '../platform/keys/index';
import type { DataKeys } from '../platform/keys/data-keys';
import type { FetchFn } from '../platform/device/signed-fetch';
import type { UpdateStatus } from '../../shared/bundles/types';
import type { ProfileService } from '../features/profile/index';
import type { ContractRegistry } from '../features/contracts/contract-loader';
import type { Outbox } from '../features/outbox/index';
import type { CaptureService } from '../features/capture/index';
import type { SyncEngine } from '../features/sync/engine';
import { registerSyncHealth } from '../features/sync/health';
import type { Governance } from '../features/governance/index';
import type { AdminClient } from '../features/admin/index';
import type { PolicyEngine } from '../features/policy/index';
import { registerPolicyHealth } from '../features/policy/health';
import type { BundleStore } from '../features/bundles/store';
import type { CardStore } from '../features/cards/index';
import { toRunView, type RunService } from '../features/runs/index';
import type { TeamService, TenantKeys } from '../features/team/index';
import { registerTeamHealth } from '../features/team/health';
import { TeamRetention } from '../features/team/retention';
import { createUpdateService, type UpdateService } from '../features/updates/index';
import { registerInferenceHealth, type InferenceService } from '../features/inference/index';
import type { MemoryService } from '../features/memory/index';
import { startEpisodicIngest } from '../features/memory/ingest';
import { createRecordReader } from '../features/capture/record-reader';
import type { EvidenceService } from '../features/evidence/index';
import type { BackupService } from '../features/backup/index';
import { createLocalWork, createNetworkSide, createPlatform, createSealedState, reloadConsumersOnBundleChange } from './wire';
import { createActivity, FIRST_SCREEN_CHANNELS, precompileChannels, type Activity } from './first-screen';
import { msg, type Message } from '../../shared/messages';
import { withCause } from '../../shared/error-messages';
import { usePrecompiledRest } from './precompiled/index';

export { DB_FILE, DEFAULT_RESOURCES_DIR, DEV_POLICY_BUNDLE, devPolicyFromEnv, type ServiceDeps } from './deps';
import type { ServiceDeps } from './deps';

export interface Services {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  health: HealthRegistry;
  audit: AuditService;
  profile: ProfileService;
  contracts: ContractRegistry;
  /** Raise a sync alert (shown in Sync and Health until resolved). */
  alert: (code: string, message: Message, subject: string) => void;
  trustedClock: TrustedClock;
  governance: Governance;
  secrets: () => Promise<SecretStore>;
  dataKeys: DataKeys;
  tenantKeys: TenantKeys;
  team: TeamService;
  /** Other devices' records kept for the policy's retention (teamRetentionDays), then purged. */
  teamRetention: TeamRetention;
  outbox: Outbox;
  capture: CaptureService;
  sync: SyncEngine;
  admin: AdminClient;
  policy: PolicyEngine;
  runs: RunService<CardStore>;
  /** Run artifacts and the release gate. */
  evidence: EvidenceService;
  /** Backup to one encrypted file; restore onto a fresh device. */
  backup: BackupService;
  /** Sealed bundles: the only source of policies, invariants, workflows, contracts, models and updates. */
  bundles: BundleStore;
  /** Bundles dropped here (real models) are verified and installed in the background at start. */
  modelsDir: string;
  /** Local models (verified model bundles) and the fallbacks. */
  inference: InferenceService;
  /** Tiered memory with hybrid retrieval. */
  memory: MemoryService;
  /** Episodic items being added after captures and runs; scripts wait for them before closing. */
  memoryIngest: { idle(): Promise<void> };
  updates: UpdateService;
  /** Downloads and installs a verified update (set by the Electron entry; absent in the web host). */
  updateInstaller?: { install(): Promise<UpdateStatus> };
  fetch?: FetchFn;
  /** When the policy, invariants and workflows were last (re)loaded. */
  policyLoadedAt: string;
  info: { version: string; host: 'electron' | 'web'; dataDir: string; platform: string; schemaVersion: number };
  /** quick_check of a big database, on a worker: run once after the first screen, then as Health asks. */
  dbCheck: DbCheck;
  /** The API's calls in flight, so start-up work waits for the first screen (./first-screen.ts). */
  activity?: Activity;
  close(): void;
}

/**
 * Background work of a running app (the Electron entry and the web host call this; tests and
 * scripts drive services themselves): periodic sync, and runs that a crash or a quit interrupted
 * continue where they stopped (finished steps never repeat). It starts once the first screen is on
 * (`after`, by default when the API has gone quiet: ./first-screen.ts), so none of it competes with
 * the first screen's calls. Nothing here guards a use: every sealed bundle was verified when it was
 * loaded (createSealedState), models are verified when they load, and the periodic re-hash below
 * only re-checks files already verified.
 */
export function startBackground(s: Services, after: Promise<boolean> = s.activity?.quiet() ?? Promise.resolve(true)): void {
  void precompileChannels(() => !s.activity?.closed, schemaCompileFailed(s), FIRST_SCREEN_CHANNELS);
  void after.then((go) => go && runBackground(s));
}

const schemaCompileFailed = (s: Services) => (channel: string, err: Error) =>
  s.logger.error('compiling a channel schema failed', { code: 'SCHEMA_COMPILE_FAILED', channel, err: err.message });

function runBackground(s: Services): void {
  // The contract schemas start-up left uncompiled (decision 0042); one that does not compile is
  // taken out and reported.
  for (const f of s.contracts.compileDeferred()) s.alert('CONTRACT_LOAD_FAILED', withCause(msg('alerts.contracts_load_failed'), f.error), 'maestro.contracts');
  // Each channel's validators before anyone's first call needs them: the build's (decision 0042), or
  // compiled in idle turns of the event loop (from the source, or any the build did not write).
  void usePrecompiledRest()
    .catch((e: unknown) => s.logger.error('loading the precompiled validators failed', { code: 'SCHEMA_COMPILE_FAILED', err: (e as Error).message }))
    .then(() => precompileChannels(() => !s.activity?.closed, schemaCompileFailed(s)));
  // The database's quick_check (a big one takes seconds: a worker reads it), so Health has a result.
  void s.dbCheck.refresh().catch((e: unknown) => s.logger.error('database quick_check failed', { code: 'DB_CHECK_FAILED', err: (e as Error).message }));
  s.sync.start();
  // Team sync: long-poll the server's feed, so approvals and reviewers' views arrive within seconds.
  s.team.startLive();
  // Other devices' records past the policy's retention go now and every few hours.
  s.teamRetention.start();
  // Attachment files of a profile that was plaintext before it had an at-rest key are sealed now.
  void s.capture.attachments.encryptLegacyFiles().then(
    (n) => {
      if (n > 0) s.audit.append({ actor: 'system', action: 'attachments.encrypted_at_rest', payload: { files: n } });
    },
    (e: unknown) => s.logger.error('sealing plaintext attachment files failed', { code: 'ATTACHMENTS_ENCRYPT_FAILED', err: (e as Error).message }),
  );
  s.bundles.startSchedule();
  // The audit chain is checked against the sealed server anchor at every start (in chunks, off the
  // start path), so Health says what is proven now rather than what a table says.
  void s.audit.verifyWithProgress().then(
    (r) => !r.valid && s.logger.error('the audit chain does not verify', { code: 'AUDIT_CHAIN_BROKEN', seq: r.firstBad?.seq, reason: r.firstBad?.reason }),
    (e: unknown) => s.logger.error('verifying the audit chain failed', { code: 'AUDIT_VERIFY_FAILED', err: (e as Error).message }),
  );
  void s.bundles
    .installFromDir(s.modelsDir)
    .then(
      (r) => r.installed.length && s.logger.info('bundles installed from the models folder', { bundles: r.installed }),
      (e: unknown) => s.logger.error('installing from the models folder failed', { code: 'BUNDLE_SCAN_FAILED', err: (e as Error).message }),
    )
    // Models load after the folder scan (a new model there is used at once), off the start path.
    .then(() => s.inference.reload())
    // Items embedded by an earlier model (or none) get this one's vectors.
    .then(() => s.memory.reembed())
    .catch((e: unknown) => s.logger.error('loading models failed', { code: 'MODEL_LOAD_FAILED', err: (e as Error).message }));
  // Working memory has a TTL: expire hourly.
  const expire = setInterval(() => {
    try {
      s.memory.expire();
    } catch (e) {
      s.logger.error('memory expiry failed', { code: 'MEMORY_EXPIRE_FAILED', err: (e as Error).message });
    }
  }, 3_600_000);
  expire.unref();
  void s.runs.resumeAll().catch((e: unknown) => s.logger.error('resuming runs failed', { code: 'RUN_RESUME_FAILED', err: (e as Error).message }));
}

/**
 * Wire every main-process service. Plain Node: the Electron entry and the web host both call this.
 * Features are built in dependency order, each given the ports it needs (./wire.ts); nothing is
 * patched after construction.
 */
export function createServices(deps: ServiceDeps): Services {
  const base = createPlatform(deps);
  const sealed = createSealedState(deps, base);
  const local = createLocalWork(deps, base, sealed);
  const net = createNetworkSide(deps, base, sealed, local);
  const { clock, db, events, health, checkpoints } = base;
  const { bundles, contracts } = sealed;
  const { policy, runs, inference, memory } = local;
  const { team, sync, verifyPool } = net;
  // Health checks after the features they read, in the order the Health view lists them.
  registerTeamHealth(health, team);
  registerSyncHealth(health, local.outbox, sync);
  local.governance.registerHealth(health);
  registerPolicyHealth(health, policy, runs);
  registerInferenceHealth(health, inference);
  const loaded = { at: clock.now().toISOString() };
  reloadConsumersOnBundleChange({ ...base, ...sealed, policy, runs, onPolicyLoaded: () => (loaded.at = clock.now().toISOString()) });
  const teamRetention = new TeamRetention({ db, clock, audit: base.audit, logger: base.logger, params: () => policy.params() });
  const memoryIngest = startEpisodicIngest({
    records: createRecordReader(db),
    audit: base.audit,
    events,
    contracts,
    memory,
    logger: base.logger,
    runView: (id) => toRunView(runs.get(id)),
    locale: process.env.MAESTRO_LOCALE ?? 'und',
  });
  runs.subscribe((e) => {
    if (e.type === 'run.changed') events.emit('runs.changed', { runId: e.runId, status: e.status });
  });
  const activity = createActivity();
  return {
    ...base,
    ...sealed,
    ...local,
    ...net,
    memoryIngest,
    teamRetention,
    modelsDir: deps.modelsDir ?? process.env.MAESTRO_MODELS_DIR ?? join(base.resourcesDir, '..', 'models'),
    updates: createUpdateService({ bundles, appVersion: APP_VERSION, host: deps.host }),
    fetch: deps.fetch,
    activity,
    get policyLoadedAt() {
      return loaded.at;
    },
    set policyLoadedAt(at: string) {
      loaded.at = at;
    },
    info: { version: APP_VERSION, host: deps.host, dataDir: deps.dataDir, platform: process.platform, schemaVersion: schemaVersion(db) },
    close() {
      activity.close();
      sync.stop();
      teamRetention.stop();
      void team.stopLive();
      bundles.stop();
      memoryIngest.stop();
      void inference.close();
      void verifyPool.close();
      void checkpoints?.stop();
      db.close();
    },
  };
}
