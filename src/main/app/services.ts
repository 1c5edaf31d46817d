import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { openDatabase, schemaVersion, type Db } from '../platform/db/connection';
import { registerSyncHealth } from '../features/sync/health';
import { registerDbHealth } from '../platform/db/health';
import { createAuditService, type AuditService } from '../platform/audit/index';
import { createProfileService, type ProfileService } from '../features/profile/index';
import { createHealthRegistry, type HealthRegistry } from '../platform/health';
import { createEventBus, type EventBus } from '../platform/events';
import { createSignal } from '../platform/signal';
import { systemClock, type Clock } from '../platform/util/clock';
import { silentLogger, type Logger } from '../platform/util/logger';
import { APP_VERSION } from '../platform/version';
import { ContractRegistry } from '../features/contracts/contract-loader';
import { openSecretStore, type SecretStore } from '../platform/keys/index';
import { DataKeys } from '../platform/keys/data-keys';
import { Outbox } from '../features/outbox/index';
import { createCaptureService, type CaptureService } from '../features/capture/index';
import { SyncEngine } from '../features/sync/engine';
import { SyncAlerts } from '../features/sync/alerts';
import { DeviceSyncState } from '../features/sync/server-status';
import { httpReader } from '../features/bundles/http-source';
import { BundleDigests } from '../features/bundles/evidence-queries';
import { VerifyPool } from '../features/sync/verify-pool';
import { ContractUpdates } from '../features/contracts/contract-updates';
import { TrustedClock } from '../platform/util/trusted-clock';
import { Governance } from '../features/governance/index';
import type { FetchFn } from '../platform/device/signed-fetch';
import { AdminClient } from '../features/admin/index';
import { PolicyEngine } from '../features/policy/index';
import { createRunService, type RunService } from '../features/runs/index';
import { fileURLToPath } from 'node:url';
import { findResourcesDir } from '../platform/paths';
import { BundleStore, loadPinnedRoot } from '../features/bundles/store';
import { registerBundleHealth } from '../features/bundles/health';
import type { ActiveBundle } from '../features/bundles/types';
import type { ResourceTree } from '../features/bundles/tree';
import { createCardStore, type CardStore } from '../features/cards/index';
import { TeamService, TenantKeys } from '../features/team/index';
import { serverBundleUpdates } from '../features/bundles/server-updates';
import { RunTeamQueries } from '../features/runs/team-queries';
import { CardTeamQueries } from '../features/cards/team-queries';
import { setProfileRole } from '../features/profile/role';
import { resolveAlertsAbout } from '../features/sync/alert-resolve';
import { deviceCredential, serverReader } from '../features/bundles/server-source';
import type { DecisionCard } from '../../shared/workflow/types';
import { registerPolicyHealth } from '../features/policy/health';
import { createRecordReader } from '../features/capture/record-reader';
import type { BundleKind, Envelope, RootMeta, UpdateStatus } from '../../shared/bundles/types';
import { createUpdateService, type UpdateService } from '../features/updates/index';
import { createInferenceService, registerInferenceHealth, type InferenceService } from '../features/inference/index';
import { createMemoryService, type MemoryService } from '../features/memory/index';
import { EXTRACTIVE_ID, extractiveSummary, RULE_RISK_ID } from '../features/inference/fallbacks';
import { ruleBasedRiskClass } from '../features/policy/risk-class';
import { ARM_OPTION_ID, chooseArm } from '../features/inference/router';
import { isInjection } from '../features/policy/injection';
import { createOutboxWithdrawal } from '../features/outbox/withdraw';
import { startEpisodicIngest } from '../features/memory/ingest';
import { toRunSummaryView, toRunView } from '../features/runs/index';
import { createEvidenceService, type EvidenceService } from '../features/evidence/index';

/** Bundled resources: the nearest `resources/` above this module (src/main/app under tsx, out/main when built). */
export const DEFAULT_RESOURCES_DIR = findResourcesDir(fileURLToPath(new URL('.', import.meta.url)));

export interface ServiceDeps {
  dataDir: string;
  host: 'electron' | 'web';
  clock?: Clock;
  logger?: Logger;
  /** Override the database path (tests use ':memory:'). */
  dbPath?: string;
  resourcesDir?: string;
  /** Where secrets live; default: OS keychain if it answers, else the passphrase vault. */
  secrets?: SecretStore | Promise<SecretStore>;
  fetch?: FetchFn;
  random?: () => number;
  /**
   * Where this device processes data, the residency of its tenant's data and the sync server's
   * region, for the policy's residency rules. Default: MAESTRO_REGION (else 'device': data stays on
   * this device), MAESTRO_RESIDENCY (else 'eu'), MAESTRO_SERVER_REGION (else 'eu-north-1').
   */
  locality?: { region?: string; residency?: string; serverRegion?: string };
  /** The pinned trust root; default <resourcesDir>/trust/root.json. */
  trustRootPath?: string;
  /** How often installed bundles are fully re-hashed (default 24 h). */
  reverifyEveryHours?: number;
  /** Folder of model (and other) bundles installed at start: MAESTRO_MODELS_DIR, else <resources>/../models. */
  modelsDir?: string;
}

export interface Services {
  db: Db;
  clock: Clock;
  logger: Logger;
  events: EventBus;
  health: HealthRegistry;
  audit: AuditService;
  profile: ProfileService;
  contracts: ContractRegistry;
  trustedClock: TrustedClock;
  governance: Governance;
  secrets: () => Promise<SecretStore>;
  dataKeys: DataKeys;
  tenantKeys: TenantKeys;
  team: TeamService;
  outbox: Outbox;
  capture: CaptureService;
  sync: SyncEngine;
  admin: AdminClient;
  policy: PolicyEngine;
  runs: RunService<CardStore>;
  /** Run artifacts and the release gate. */
  evidence: EvidenceService;
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
  close(): void;
}

export const DB_FILE = 'maestro.db';

/**
 * Background work of a running app (the Electron entry and the web host call this; tests and
 * scripts drive services themselves): periodic sync, and runs that a crash or a quit interrupted
 * continue where they stopped (finished steps never repeat).
 */
export function startBackground(s: Services): void {
  s.sync.start();
  // Team sync: long-poll the server's feed, so approvals and reviewers' views arrive within seconds.
  s.team.startLive();
  s.bundles.startSchedule();
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
 * Contract majors the app ships (file names of its built-in contracts bundle, name@x.y.z.json):
 * a newer major from the server waits for an app update. Empty when the app ships none.
 */
function shippedContractMajors(builtinBundleDir: string): Record<string, number> {
  const out: Record<string, number> = {};
  let files: string[] = [];
  try {
    files = readdirSync(join(builtinBundleDir, 'targets'));
  } catch {
    return out;
  }
  for (const f of files) {
    const m = /^([a-z][a-z0-9.-]*)@(\d+)\.\d+\.\d+\.json$/.exec(f);
    if (m) out[m[1]!] = Math.max(out[m[1]!] ?? 0, Number(m[2]));
  }
  return out;
}

/** Wire every main-process service. Plain Node: the Electron entry and the web host both call this. */
export function createServices(deps: ServiceDeps): Services {
  const clock = deps.clock ?? systemClock;
  const logger = deps.logger ?? silentLogger;
  const db = openDatabase(deps.dbPath ?? join(deps.dataDir, DB_FILE));
  const events = createEventBus();
  const health = createHealthRegistry();
  registerDbHealth(db, health);
  const audit = createAuditService({ db, clock, events, health });
  const profile = createProfileService({ db, clock, audit });
  const resourcesDir = deps.resourcesDir ?? DEFAULT_RESOURCES_DIR;
  // Alerts exist before every feature that raises one (built-in bundle refusals come first).
  const alerts = new SyncAlerts(db, clock, logger);
  const alert = (code: string, message: string, subject: string) => alerts.raise(code, message, subject);
  const trustedClock = new TrustedClock(db, clock);
  let pinnedRoot: Envelope<RootMeta> | null = null;
  try {
    pinnedRoot = loadPinnedRoot(deps.trustRootPath ?? join(resourcesDir, 'trust', 'root.json'));
  } catch (e) {
    logger.error('pinned trust root unusable: no bundle can verify', { code: 'BUNDLE_ROOT_INVALID', err: (e as Error).message });
    alert('BUNDLE_ROOT_INVALID', `The pinned trust root is unusable (${(e as Error).message}); no bundle can verify`, 'trust');
  }
  // Cards recorded or approved (team sync, built further down, subscribes and shares them with reviewers).
  const cardChanged = createSignal<DecisionCard>();
  const cards = createCardStore({ db, clock, audit, onChange: cardChanged.emit });
  const bundles = new BundleStore({
    db,
    dataDir: deps.dataDir,
    clock: trustedClock,
    audit,
    logger,
    pinnedRoot,
    events,
    cards,
    alert,
    reverifyEveryHours: deps.reverifyEveryHours,
  });
  const builtins = bundles.installBuiltins(join(resourcesDir, 'bundles'));
  if (builtins.installed.length) logger.info('built-in bundles installed', { bundles: builtins.installed });
  registerBundleHealth(health, bundles);
  const startup = bundles.startupCheck();
  if (startup.mismatches) logger.warn('bundle startup check quarantined versions', { code: 'BUNDLE_TAMPERED', mismatches: startup.mismatches });
  // A consumer reads only the active verified bundle of its name and kind.
  const KINDS: Record<string, BundleKind> = { 'maestro.policy': 'policy', 'maestro.workflows': 'workflows', 'maestro.contracts': 'contracts' };
  const treeOf = (name: string) => (): ResourceTree | null => {
    const b: ActiveBundle | null = bundles.active(name);
    if (!b || b.info.kind !== KINDS[name]) return null;
    return { label: `${name}@${b.info.version}`, files: b.files, read: b.read };
  };
  const contracts = new ContractRegistry();
  contracts.setSupportedMajors(shippedContractMajors(join(resourcesDir, 'bundles', 'maestro.contracts')));
  const contractsTree = treeOf('maestro.contracts')();
  if (contractsTree) contracts.loadTree(contractsTree);
  let secretsP: Promise<SecretStore> | undefined = deps.secrets ? Promise.resolve(deps.secrets) : undefined;
  const secrets = () => (secretsP ??= openSecretStore(deps.dataDir));
  const dataKeys = new DataKeys(db, secrets, clock);
  const outbox = new Outbox(db, clock, audit, deps.random);
  const governance = new Governance({ contracts, outbox, profile, trustedClock, sync: new DeviceSyncState(db) });
  const capture = createCaptureService({
    db,
    clock,
    dataDir: deps.dataDir,
    audit,
    profile,
    contracts,
    outbox,
    guard: (action) => governance.assertAllowed(action),
  });
  const contractUpdates = new ContractUpdates(contracts, audit, bundles);
  const verifyPool = new VerifyPool(deps.resourcesDir ?? DEFAULT_RESOURCES_DIR);
  const tenantKeys = new TenantKeys(db, secrets, clock);
  const onBundles = serverBundleUpdates({ bundles, readerFor: (name) => serverReader({ db, clock, secrets, fetch: deps.fetch }, name), alert });
  // Team is built before the run service (sync needs team, governance needs sync, runs need
  // governance): its run port reaches the run service built below only when it is called (an approval
  // applied, a run sealed or shown), never during construction.
  const team = new TeamService({
    db,
    clock,
    logger,
    events,
    audit,
    profile: { get: () => profile.get(), require: () => profile.require(), setRole: (role) => setProfileRole(db, role) },
    outbox,
    attachments: capture.attachments,
    secrets,
    tenantKeys,
    verifyPool,
    alerts: { alert, resolve: (subject) => resolveAlertsAbout(db, subject) },
    runs: { decide: (runId, d) => runs.decide(runId, d), summary: (runId) => toRunSummaryView(runs.get(runId)) },
    runQueries: new RunTeamQueries(db),
    cards,
    cardQueries: new CardTeamQueries(db),
    cardChanges: cardChanged,
    credential: () => deviceCredential({ db, clock, secrets, fetch: deps.fetch }),
    onBundles,
    fetch: deps.fetch,
  });
  health.register('team.sync', () => {
    const st = team.status();
    const figures = { cursor: st.pull.cursor, applied: st.pull.applied, keyVersions: st.keys.versions.length, refused: st.refused, peers: st.peers };
    if (!st.enrolled) return { service: 'team', status: 'ok', summary: 'Not enrolled: nothing is shared or pulled.', figures };
    if (st.pull.stopped)
      return {
        service: 'team',
        status: 'error',
        summary: `The pull stopped at item ${st.pull.stopped.seq} (${st.pull.stopped.code}): ${st.pull.stopped.message}`,
        figures,
      };
    if (st.certificate?.status === 'revoked') return { service: 'team', status: 'error', summary: 'This device has been revoked.', figures };
    const keys = st.keys.waitingForKey
      ? 'waiting for the tenant key from an admin device'
      : st.keys.current === null
        ? 'no tenant key yet (no admin device has created one): items are sealed under this device’s own key and not shared'
        : `tenant key v${st.keys.current}`;
    return {
      service: 'team',
      status: st.keys.waitingForKey || st.refused > 0 ? 'warn' : 'ok',
      summary: `Certificate v${st.certificate?.version ?? '?'}, ${keys}; last pull ${st.pull.lastPullAt ?? 'never'}${st.refused ? `; ${st.refused} refused item(s)` : ''}.`,
      figures,
    };
  });
  const sync = new SyncEngine({
    db,
    clock,
    logger,
    events,
    audit,
    profile,
    outbox,
    records: capture,
    attachments: capture.attachments,
    tenantKeys,
    dataKeys,
    team,
    secrets,
    verifyPool,
    contracts,
    contractUpdates,
    contractsReader: (serverUrl, signer, fetchFn) => httpReader(serverUrl, 'maestro.contracts', fetchFn, { signer }),
    trustedClock,
    alerts,
    fetch: deps.fetch,
  });
  registerSyncHealth(health, outbox, sync);
  governance.registerHealth(health);
  const admin = new AdminClient({ db, clock, audit, secrets, fetch: deps.fetch });
  const policy = PolicyEngine.fromTree(treeOf('maestro.policy'));
  const reportPolicyErrors = () => {
    for (const e of policy.lastErrors()) {
      logger.warn('policy file refused', { code: 'POLICY_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
      sync.alert('POLICY_LOAD_FAILED', `${e.file}:${e.line}: ${e.reason}`, e.file);
    }
  };
  reportPolicyErrors();
  const reloadPolicy = () => {
    policy.reload();
    reportPolicyErrors();
    out.policyLoadedAt = clock.now().toISOString();
  };
  const locality = deps.locality ?? {
    region: process.env.MAESTRO_REGION ?? 'device',
    residency: process.env.MAESTRO_RESIDENCY ?? 'eu',
    serverRegion: process.env.MAESTRO_SERVER_REGION ?? 'eu-north-1',
  };
  // Registered here to keep the checks' order; the run service is built further down.
  registerPolicyHealth(health, policy, { workflows: () => runs.workflows(), loadErrors: () => runs.loadErrors() });
  let memoryRef: MemoryService | null = null;
  const inference = createInferenceService({
    bundles,
    logger,
    events,
    // Vectors of one embedding are not comparable with another's: re-embed in the background.
    onEmbedderChanged: () =>
      void memoryRef?.reembed().catch((e: unknown) => logger.error('re-embedding memory failed', { code: 'MEMORY_REEMBED_FAILED', err: (e as Error).message })),
    gpu: process.env.MAESTRO_GPU === 'off' ? false : 'auto',
    // A GPU that failed is a decision: the model runs on the CPU, slower; the card says why.
    cards,
    policyVersion: () => policy.version(),
  });
  const memory = createMemoryService({
    db,
    clock,
    audit,
    events,
    logger,
    embedder: () => inference.embedder(),
    summarize: (texts) => extractiveSummary(texts, { maxSentences: 5, maxChars: 1200 }).summary,
  });
  memoryRef = memory;
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
    aiKit: { chooseArm, armOptionId: ARM_OPTION_ID, extractiveId: EXTRACTIVE_ID, extractiveSummary, ruleRiskId: RULE_RISK_ID, ruleBasedRiskClass, isInjection },
    guard: policy,
    resourcesDir,
    workflows: treeOf('maestro.workflows'),
    logger,
    locality,
    inference,
    memory,
  });
  const evidence = createEvidenceService({
    db,
    clock,
    audit,
    cards,
    runs,
    attachments: capture.attachments,
    policy,
    pack: { secrets, profile, runs, outbox, records: capture, attachments: capture.attachments, contracts, bundles, bundleDigests: new BundleDigests(db) },
  });
  registerInferenceHealth(health, inference);
  // A newly installed, activated or quarantined bundle replaces what its consumers loaded.
  bundles.subscribe((c) => {
    if (c.change === 'verified') return;
    if (c.name === 'maestro.policy') reloadPolicy();
    if (c.name === 'maestro.workflows') runs.reloadWorkflows();
    if (c.name === 'maestro.contracts') {
      const t = treeOf('maestro.contracts')();
      if (t) {
        try {
          contracts.loadTree(t);
        } catch (e) {
          alert('CONTRACT_LOAD_FAILED', `contracts bundle: ${(e as Error).message}`, c.name);
        }
      }
    }
  });
  const memoryIngest = startEpisodicIngest({
    records: createRecordReader(db),
    audit,
    events,
    contracts,
    memory,
    logger,
    runView: (id) => toRunView(runs.get(id)),
    locale: process.env.MAESTRO_LOCALE ?? 'und',
  });
  runs.subscribe((e) => {
    if (e.type === 'run.changed') events.emit('runs.changed', { runId: e.runId, status: e.status });
  });
  const out: Services = {
    db,
    clock,
    logger,
    events,
    health,
    audit,
    profile,
    contracts,
    trustedClock,
    governance,
    secrets,
    dataKeys,
    tenantKeys,
    team,
    outbox,
    capture,
    sync,
    admin,
    policy,
    runs,
    evidence,
    bundles,
    inference,
    memory,
    memoryIngest,
    modelsDir: deps.modelsDir ?? process.env.MAESTRO_MODELS_DIR ?? join(resourcesDir, '..', 'models'),
    updates: createUpdateService({ bundles, appVersion: APP_VERSION, host: deps.host }),
    fetch: deps.fetch,
    policyLoadedAt: clock.now().toISOString(),
    info: { version: APP_VERSION, host: deps.host, dataDir: deps.dataDir, platform: process.platform, schemaVersion: schemaVersion(db) },
    close() {
      sync.stop();
      void team.stopLive();
      bundles.stop();
      memoryIngest.stop();
      void inference.close();
      void verifyPool.close();
      db.close();
    },
  };
  return out;
}
