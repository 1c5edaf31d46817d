// The stages of createServices (./services.ts), in dependency order. Wiring only: each stage builds
// features and hands them the ports they need; what a feature decides lives in the feature.
import { startBackgroundCheckpoints } from '../../platform/sqlite-checkpointer';
import { chmodSync, mkdirSync } from 'node:fs';
import { snapshotDatabase } from '../platform/db/snapshot';
import { SealedAnchors } from '../platform/audit/sealed-anchor';
import { contractsAdmission } from '../features/contracts/admission';
import { join } from 'node:path';
import type { DecisionCard } from '../../shared/workflow/types';
import type { BundleKind, Envelope, RootMeta } from '../../shared/bundles/types';
import { openDatabase } from '../platform/db/connection';
import { registerDbHealth } from '../platform/db/health';
import { createAuditService, type AuditService } from '../platform/audit/index';
import { clearPendingMigration, pendingMigration } from '../platform/db/cipher';
import { createHealthRegistry } from '../platform/health';
import { createEventBus } from '../platform/events';
import { createSignal } from '../platform/signal';
import { systemClock } from '../platform/util/clock';
import { silentLogger, type Logger } from '../platform/util/logger';
import { TrustedClock } from '../platform/util/trusted-clock';
import type { ResourceTree } from '../platform/util/resource-tree';
import { openSecretStore, type SecretStore } from '../platform/keys/index';
import { BackupService } from '../features/backup/index';
import { readSyncConfig } from '../platform/device/sync-config';
import { atRestKeyIn } from '../platform/keys/at-rest';
import { AttachmentStore } from '../features/capture/attachment-store';
import { DataKeys } from '../platform/keys/data-keys';
import { createProfileService } from '../features/profile/index';
import { setProfileRole } from '../features/profile/role';
import { ContractRegistry } from '../features/contracts/contract-loader';
import { ContractUpdates } from '../features/contracts/contract-updates';
import { shippedContractMajors } from '../features/contracts/shipped-majors';
import { Outbox } from '../features/outbox/index';
import { createOutboxWithdrawal } from '../features/outbox/withdraw';
import { createCaptureService } from '../features/capture/index';
import { SyncEngine } from '../features/sync/engine';
import { msg, type Message } from '../../shared/messages';
import { thrownCause, withCause } from '../../shared/error-messages';
import { SyncAlerts } from '../features/sync/alerts';
import { DeviceSyncState } from '../features/sync/server-status';
import { VerifyPool } from '../features/sync/verify-pool';
import { resolveAlertsAbout } from '../features/sync/alert-resolve';
import { httpReader } from '../features/bundles/http-source';
import { BundleDigests } from '../features/bundles/evidence-queries';
import { BundleStore, loadPinnedRoot } from '../features/bundles/store';
import { registerBundleHealth } from '../features/bundles/health';
import { serverBundleUpdates } from '../features/bundles/server-updates';
import { deviceCredential, serverReader } from '../features/bundles/server-source';
import { Governance } from '../features/governance/index';
import { AdminClient } from '../features/admin/index';
import { PolicyEngine } from '../features/policy/index';
import { reportPolicyErrors } from '../features/policy/load-errors';
import { ruleBasedRiskClass } from '../features/policy/risk-class';
import { isInjection } from '../features/policy/injection';
import { createCardStore } from '../features/cards/index';
import { CardTeamQueries } from '../features/cards/team-queries';
import { createRunService, toRunSummaryView } from '../features/runs/index';
import { RunTeamQueries } from '../features/runs/team-queries';
import { TeamService, TenantKeys } from '../features/team/index';
import { createInferenceService } from '../features/inference/index';
import { EXTRACTIVE_ID, extractiveSummary, RULE_RISK_ID } from '../features/inference/fallbacks';
import { ARM_OPTION_ID, chooseArm } from '../features/inference/router';
import { createMemoryService } from '../features/memory/index';
import { createEvidenceService } from '../features/evidence/index';
import { DB_FILE, DEFAULT_RESOURCES_DIR, DEV_POLICY_BUNDLE, devPolicyFromEnv, type ServiceDeps } from './deps';

/** The finished in-place encryption is audited once (its marker survives a kill before this). */
function auditAtRest(dbPath: string, keyed: boolean, audit: AuditService, logger: Logger): void {
  if (!keyed) {
    if (dbPath !== ':memory:') logger.warn('the device database is not encrypted at rest (no at-rest key given)', { code: 'DB_PLAINTEXT', path: dbPath });
    return;
  }
  const done = pendingMigration(dbPath);
  if (!done) return;
  audit.append({ actor: 'system', action: 'db.encrypted_at_rest', subject: DB_FILE, payload: { ...done } });
  clearPendingMigration(dbPath);
  logger.info('device database encrypted at rest', { bytes: done.bytes, rows: done.rows });
}

/** Storage, events, health, audit, profile, alerts, the trusted clock and secrets. */
export function createPlatform(deps: ServiceDeps) {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const dbPath = deps.dbPath ?? join(deps.dataDir, DB_FILE);
  // The data folder is the device's: records, attachments, keys. Nobody else on the machine reads it.
  mkdirSync(deps.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(deps.dataDir, 0o700);
  const db = openDatabase(dbPath, { key: deps.atRestKey, onProgress: deps.onAtRestProgress });
  // WAL checkpoints on a worker, not inside the COMMIT of whichever request crossed the limit.
  const checkpoints = db.memory
    ? null
    : startBackgroundCheckpoints(db, {
        path: dbPath,
        key: deps.atRestKey,
        // The thread starts after the first screen, not on its way.
        delayMs: 2_000,
        onError: (m) => logger.warn('background checkpoints stopped; SQLite checkpoints on commit', { code: 'DB_CHECKPOINTER_FAILED', err: m }),
      });
  const events = createEventBus();
  const health = createHealthRegistry();
  const dbCheck = registerDbHealth(db, health, {
    key: deps.atRestKey,
    now: () => clock.now(),
    onError: (e) => logger.error('database quick_check failed', { code: 'DB_CHECK_FAILED', err: e.message }),
  });
  let secretsP: Promise<SecretStore> | undefined = deps.secrets ? Promise.resolve(deps.secrets) : undefined;
  const secrets = () => (secretsP ??= openSecretStore(deps.dataDir));
  const anchors = new SealedAnchors(secrets, () => readSyncConfig(db)?.deviceId ?? null);
  const audit = createAuditService({ db, clock, events, health, anchors });
  auditAtRest(dbPath, deps.atRestKey !== undefined, audit, logger);
  const profile = createProfileService({ db, clock, audit });
  // Alerts exist before every feature that raises one (built-in bundle refusals come first).
  const alerts = new SyncAlerts(db, clock, logger);
  const alert = (code: string, message: Message, subject: string) => alerts.raise(code, message, subject);
  return {
    clock,
    logger,
    db,
    checkpoints,
    events,
    health,
    audit,
    profile,
    alerts,
    alert,
    trustedClock: new TrustedClock(db, clock),
    secrets,
    dataKeys: new DataKeys(db, secrets, clock),
    dbCheck,
    resourcesDir: deps.resourcesDir ?? DEFAULT_RESOURCES_DIR,
  };
}
type Platform = ReturnType<typeof createPlatform>;

function pinnedRootOf(deps: ServiceDeps, p: Platform): Envelope<RootMeta> | null {
  try {
    return loadPinnedRoot(deps.trustRootPath ?? join(p.resourcesDir, 'trust', 'root.json'));
  } catch (e) {
    p.logger.error('pinned trust root unusable: no bundle can verify', { code: 'BUNDLE_ROOT_INVALID', err: (e as Error).message });
    p.alert('BUNDLE_ROOT_INVALID', withCause(msg('alerts.trust_root_invalid'), thrownCause(e)), 'trust');
    return null;
  }
}

/** Decision cards, the sealed bundles (built-ins installed and checked) and the contracts they carry. */
export function createSealedState(deps: ServiceDeps, p: Platform) {
  const { db, audit, logger, events, alert, health } = p;
  // Cards recorded or approved (team sync subscribes and shares them with reviewers).
  const cardChanged = createSignal<DecisionCard>();
  const cards = createCardStore({ db, clock: p.clock, audit, onChange: cardChanged.emit });
  const bundles = new BundleStore({
    db,
    dataDir: deps.dataDir,
    clock: p.trustedClock,
    audit,
    logger,
    pinnedRoot: pinnedRootOf(deps, p),
    events,
    cards,
    alert,
    reverifyEveryHours: deps.reverifyEveryHours,
    admit: contractsAdmission,
  });
  const builtins = bundles.installBuiltins(join(p.resourcesDir, 'bundles'));
  if (builtins.installed.length) logger.info('built-in bundles installed', { bundles: builtins.installed });
  const devPolicy = deps.devPolicy ?? devPolicyFromEnv(process.env);
  if (devPolicy) installDevPolicy(bundles, p);
  else if (bundles.active(DEV_POLICY_BUNDLE)) logger.info('development policy bundle installed earlier, not applied', { bundle: DEV_POLICY_BUNDLE });
  registerBundleHealth(health, bundles);
  const startup = bundles.startupCheck();
  if (startup.mismatches) logger.warn('bundle startup check quarantined versions', { code: 'BUNDLE_TAMPERED', mismatches: startup.mismatches });
  // A consumer reads only the active verified bundle of its name and kind.
  const KINDS: Record<string, BundleKind> = {
    'maestro.policy': 'policy',
    [DEV_POLICY_BUNDLE]: 'policy-overlay',
    'maestro.workflows': 'workflows',
    'maestro.contracts': 'contracts',
  };
  const treeOf = (name: string) => (): ResourceTree | null => {
    const b = bundles.active(name);
    if (!b || b.info.kind !== KINDS[name]) return null;
    return { label: `${name}@${b.info.version}`, files: b.files, read: b.read };
  };
  const contracts = new ContractRegistry();
  contracts.setSupportedMajors(shippedContractMajors(join(p.resourcesDir, 'bundles', 'maestro.contracts')));
  const contractsTree = treeOf('maestro.contracts')();
  // Start-up: the documents are checked now, their schemas compiled after the first screen (decision 0042).
  if (contractsTree) contracts.loadTree(contractsTree, { deferCompile: true });
  return { cardChanged, cards, bundles, treeOf, contracts, devPolicy };
}
type Sealed = ReturnType<typeof createSealedState>;

/** Development mode: install the sealed development policy bundle; without it the shipped policy applies alone. */
function installDevPolicy(bundles: BundleStore, p: Platform): void {
  const dev = bundles.installBuiltins(join(p.resourcesDir, 'bundles-dev'));
  if (dev.installed.length) p.logger.info('development policy bundle installed', { bundles: dev.installed });
  if (!bundles.active(DEV_POLICY_BUNDLE))
    p.logger.warn('development mode without a verified development policy bundle: the shipped policy applies', {
      code: 'POLICY_DEV_MISSING',
      dir: join(p.resourcesDir, 'bundles-dev'),
    });
}

/** Policy, the local models and memory: what runs need to decide and to help. */
function createModelsAndPolicy(p: Platform, s: Sealed) {
  const { logger, events } = p;
  // The development overlay only in development mode, whatever bundles this device holds.
  const policy = PolicyEngine.fromTree(s.treeOf('maestro.policy'), s.devPolicy ? { overlay: s.treeOf(DEV_POLICY_BUNDLE) } : {});
  reportPolicyErrors(policy, logger, p.alert);
  // Vectors of one embedding are not comparable with another's: memory re-embeds when it changes.
  const embedderChanged = createSignal<void>();
  const inference = createInferenceService({
    bundles: s.bundles,
    logger,
    events,
    onEmbedderChanged: () => embedderChanged.emit(),
    gpu: process.env.MAESTRO_GPU === 'off' ? false : 'auto',
    // A GPU that failed is a decision: the model runs on the CPU, slower; the card says why.
    cards: s.cards,
    policyVersion: () => policy.version(),
  });
  const memory = createMemoryService({
    db: p.db,
    clock: p.clock,
    audit: p.audit,
    events,
    logger,
    embedder: () => inference.embedder(),
    summarize: (texts) => extractiveSummary(texts, { maxSentences: 5, maxChars: 1200 }).summary,
  });
  embedderChanged.subscribe(
    () => void memory.reembed().catch((e: unknown) => logger.error('re-embedding memory failed', { code: 'MEMORY_REEMBED_FAILED', err: (e as Error).message })),
  );
  return { policy, inference, memory };
}

/** Everything that works offline: outbox, governance, capture, policy, models, memory, runs, evidence. */
export function createLocalWork(deps: ServiceDeps, p: Platform, s: Sealed) {
  const { db, clock, audit, profile } = p;
  const { cards, contracts, bundles } = s;
  const outbox = new Outbox(db, clock, audit, deps.random);
  const governance = new Governance({ contracts, outbox, profile, trustedClock: p.trustedClock, sync: new DeviceSyncState(db) });
  const capture = createCaptureService({
    db,
    clock,
    dataDir: deps.dataDir,
    atRestKey: deps.atRestKey,
    audit,
    profile,
    contracts,
    outbox,
    guard: (a) => governance.assertAllowed(a),
  });
  const { policy, inference, memory } = createModelsAndPolicy(p, s);
  const locality = deps.locality ?? {
    region: process.env.MAESTRO_REGION ?? 'device',
    residency: process.env.MAESTRO_RESIDENCY ?? 'eu',
    serverRegion: process.env.MAESTRO_SERVER_REGION ?? 'eu-north-1',
  };
  const aiKit = {
    chooseArm,
    armOptionId: ARM_OPTION_ID,
    extractiveId: EXTRACTIVE_ID,
    extractiveSummary,
    ruleRiskId: RULE_RISK_ID,
    ruleBasedRiskClass,
    isInjection,
  };
  const runs = createRunService({
    db,
    clock,
    audit,
    profile,
    cards,
    contracts,
    capture,
    outbox: createOutboxWithdrawal({ db, audit, outbox }),
    governance,
    aiKit,
    guard: policy,
    resourcesDir: p.resourcesDir,
    workflows: s.treeOf('maestro.workflows'),
    logger: p.logger,
    locality,
    inference,
    memory,
  });
  // Cards recorded before card search knew the record's title fields: indexed under them once (no-op after).
  cards.backfillRecordWords((runId) => runs.searchWords(runId));
  const attachments = capture.attachments;
  const pack = { secrets: p.secrets, profile, runs, outbox, records: capture, attachments, contracts, bundles, bundleDigests: new BundleDigests(db) };
  const evidence = createEvidenceService({ db, clock, audit, cards, runs, attachments, policy, pack });
  const backup = new BackupService({
    ...{ db, dataDir: deps.dataDir, clock, secrets: p.secrets, attachments, audit, outboxCounts: () => outbox.counts() },
    openStaged: (dir, keys) => {
      // The restored profile's key (a device without a keychain entry for it: tests) else this device's.
      const key = atRestKeyIn(keys) ?? deps.atRestKey;
      const stagedDb = openDatabase(join(dir, DB_FILE), key ? { key } : {});
      const store = new AttachmentStore(stagedDb, dir, key);
      return { db: stagedDb, putStream: (src, meta, o) => store.putStream(src, meta, o) };
    },
    freshness: { isFresh: () => profile.get() === null && Object.values(outbox.counts()).every((n) => n === 0) },
    identity: () => ({ device: readSyncConfig(db)?.deviceId ?? null, tenant: profile.get()?.tenant ?? null }),
    // On a worker with its own connection: a large database must not hold the event loop while it is copied.
    snapshot: (target) => (db.memory ? Promise.resolve(void db.prepare('VACUUM INTO ?').run(target)) : snapshotDatabase(db.name, target, deps.atRestKey)),
  });
  return { outbox, governance, capture, policy, inference, memory, runs, evidence, backup };
}
type Local = ReturnType<typeof createLocalWork>;

/** Team sync, the sync engine and the admin client: everything that talks to the server. */
export function createNetworkSide(deps: ServiceDeps, p: Platform, s: Sealed, l: Local) {
  const { db, clock, secrets, alert } = p;
  const { runs, outbox, capture } = l;
  const verifyPool = new VerifyPool(p.resourcesDir);
  const tenantKeys = new TenantKeys(db, secrets, clock);
  const readerFor = (name: string) => serverReader({ db, clock, secrets, fetch: deps.fetch }, name);
  const team = new TeamService({
    db,
    clock,
    logger: p.logger,
    events: p.events,
    audit: p.audit,
    profile: { get: () => p.profile.get(), require: () => p.profile.require(), setRole: (role) => setProfileRole(db, role) },
    outbox,
    attachments: capture.attachments,
    secrets,
    tenantKeys,
    verifyPool,
    alerts: { alert, resolve: (subject) => resolveAlertsAbout(db, subject) },
    runs: { decide: (runId, d) => runs.decide(runId, d), summary: (runId) => toRunSummaryView(runs.get(runId)), context: (runId) => runs.context(runId) },
    runQueries: new RunTeamQueries(db),
    cards: s.cards,
    cardQueries: new CardTeamQueries(db),
    cardChanges: s.cardChanged,
    credential: () => deviceCredential({ db, clock, secrets, fetch: deps.fetch }),
    onBundles: serverBundleUpdates({ bundles: s.bundles, readerFor, alert }),
    fetch: deps.fetch,
  });
  const sync = new SyncEngine({
    ...{ db, clock, logger: p.logger, events: p.events, audit: p.audit, profile: p.profile, outbox, records: capture, attachments: capture.attachments },
    ...{
      tenantKeys,
      dataKeys: p.dataKeys,
      team,
      secrets,
      verifyPool,
      contracts: s.contracts,
      trustedClock: p.trustedClock,
      alerts: p.alerts,
      fetch: deps.fetch,
    },
    contractUpdates: new ContractUpdates(s.contracts, p.audit, s.bundles),
    contractsReader: (serverUrl, signer, fetchFn) => httpReader(serverUrl, 'maestro.contracts', fetchFn, { signer }),
  });
  const admin = new AdminClient({ db, clock, audit: p.audit, secrets, fetch: deps.fetch });
  return { verifyPool, tenantKeys, team, sync, admin };
}

/** A newly installed, activated or quarantined bundle replaces what its consumers loaded. */
export function reloadConsumersOnBundleChange(w: Platform & Sealed & Pick<Local, 'policy' | 'runs'> & { onPolicyLoaded(): void }): void {
  w.bundles.subscribe((c) => {
    if (c.change === 'verified') return;
    if (c.name === 'maestro.policy' || (c.name === DEV_POLICY_BUNDLE && w.devPolicy)) {
      w.policy.reload();
      reportPolicyErrors(w.policy, w.logger, w.alert);
      w.onPolicyLoaded();
    }
    if (c.name === 'maestro.workflows') w.runs.reloadWorkflows();
    const t = c.name === 'maestro.contracts' ? w.treeOf('maestro.contracts')() : null;
    if (!t) return;
    try {
      w.contracts.loadTree(t);
    } catch (e) {
      w.alert('CONTRACT_LOAD_FAILED', withCause(msg('alerts.contracts_load_failed'), thrownCause(e)), c.name);
    }
  });
}
