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
import type { ActiveBundle } from '../features/bundles/api';
import type { ResourceTree } from '../features/bundles/tree';
import { createCardStore } from '../features/cards/index';
import { TeamService, TenantKeys } from '../features/team/index';
import { RunTeamQueries } from '../features/runs/team-queries';
import { CardTeamQueries } from '../features/cards/team-queries';
import { setProfileRole } from '../features/profile/role';
import { resolveAlertsAbout } from '../features/sync/alert-resolve';
import { deviceCredential, serverReader } from '../features/bundles/server-source';
import { compareSemver } from '../features/updates/index';
import type { DecisionCard } from '../../shared/workflow/types';
import type { BundleKind, Envelope, RootMeta, UpdateStatus } from '../../shared/bundles/types';
import { createUpdateService, type UpdateService } from '../features/updates/index';
import { createInferenceService, type InferenceService } from '../features/inference/index';
import { createMemoryService, type MemoryService } from '../features/memory/index';
import { extractiveSummary } from '../features/inference/fallbacks';
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
  runs: RunService;
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
  // Alerts raised before the sync engine exists (built-in bundle refusals) wait for it.
  const early: [string, string, string][] = [];
  let alertSink: ((code: string, message: string, subject: string) => void) | null = null;
  const alert = (code: string, message: string, subject: string) => (alertSink ? alertSink(code, message, subject) : early.push([code, message, subject]));
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
  const capture = createCaptureService({ db, clock, dataDir: deps.dataDir, audit, profile, contracts, outbox });
  const contractUpdates = new ContractUpdates(contracts, audit, bundles);
  const verifyPool = new VerifyPool(deps.resourcesDir ?? DEFAULT_RESOURCES_DIR);
  const tenantKeys = new TenantKeys(db, secrets, clock);
  // Policy and workflow updates announced on the pull: a newer signed bundle is fetched and verified
  // (contracts keep their own path: the contract map in every sync reply). A version that failed is
  // not tried again until the server offers another.
  const triedBundles = new Set<string>();
  const onBundles = async (listing: { name: string; version: string | null }[]) => {
    for (const e of listing) {
      if ((e.name !== 'maestro.policy' && e.name !== 'maestro.workflows') || !e.version || triedBundles.has(`${e.name}@${e.version}`)) continue;
      const cur = bundles.active(e.name)?.info.version;
      if (cur && (compareSemver(e.version, cur) ?? 0) <= 0) continue;
      triedBundles.add(`${e.name}@${e.version}`);
      try {
        await bundles.install(await serverReader({ db, clock, secrets, fetch: deps.fetch }, e.name), { actor: 'service:team' });
      } catch (err) {
        alert('BUNDLE_UPDATE_FAILED', `The server offers ${e.name} ${e.version}; it was not installed: ${(err as Error).message}`, e.name);
      }
    }
  };
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
    attachments: capture.attachments,
    tenantKeys,
    dataKeys,
    team,
    secrets,
    verifyPool,
    contracts,
    contractUpdates,
    trustedClock,
    fetch: deps.fetch,
  });
  registerSyncHealth(health, outbox, sync);
  alertSink = (code, message, subject) => sync.alert(code, message, subject);
  for (const a of early.splice(0)) alertSink(...a);
  const governance = new Governance({ db, contracts, outbox, profile, trustedClock, sync });
  governance.registerHealth(health);
  capture.setGuard((action) => governance.assertAllowed(action));
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
  health.register('policy.loaded', () => {
    const problems = [...policy.lastErrors(), ...runs.loadErrors()];
    const version = policy.version();
    const workflows = runs.workflows().length;
    return {
      service: 'policy',
      status: version === null ? 'error' : problems.length ? 'warn' : 'ok',
      summary:
        version === null
          ? 'No policy loaded: every guarded action is refused (fail closed).'
          : `Policy ${version}: ${policy.invariantCount()} invariants, ${workflows} workflows${problems.length ? `; ${problems.length} file(s) refused, previous set in force: ${problems.map((p) => `${p.file}${p.line ? `:${p.line}` : ''} ${p.reason}`).join('; ')}` : ''}.`,
      figures: { version, invariants: policy.invariantCount(), workflows, refused: problems.length },
    };
  });
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
    onGpuFallback: (model, reason) =>
      cards.record(
        {
          kind: 'model.fallback',
          runId: '',
          stepId: null,
          subject: `Run ${model} on the CPU`,
          options: [
            { id: 'cpu', label: 'Load on the CPU (slower)', predictedQuality: 1, predictedCostCents: 0, latencyMs: 0, uncertainty: 0 },
            { id: 'gpu', label: 'Load on the GPU', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
          ],
          chosen: 'cpu',
          rationale: `The GPU could not be used: ${reason}`,
          invariants: [],
          policy: { decision: 'allow', reasons: ['model runs on the CPU instead of the GPU'], policyVersion: policy.version() },
          lane: 'YELLOW',
          laneReasons: ['GPU unavailable'],
          evidence: { memoryIds: [], bundleDigests: [], modelId: model },
          nextSafeStep: 'Check the GPU driver (Health → models), then reload models',
          status: 'allowed',
        },
        'service:inference',
      ),
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
    contracts,
    capture,
    outbox,
    governance,
    guard: policy,
    resourcesDir,
    workflows: treeOf('maestro.workflows'),
    logger,
    locality,
    inference,
    memory,
    onCardChange: cardChanged.emit,
  });
  const evidence = createEvidenceService({ db, clock, audit, cards, runs, attachments: capture.attachments, policy });
  health.register('inference.models', () => {
    const st = inference.status();
    const slot = (x: typeof st.text) =>
      `${x.arm === 'model' ? x.id : `fallback ${x.id}`} (${x.state}${x.backend ? `, ${x.backend}` : ''}${x.device ? ` ${x.device}` : ''}${x.offloadedLayers !== null ? `, ${x.offloadedLayers} layers on GPU` : ''})`;
    const bad = st.text.state === 'error' || st.embedding.state === 'error';
    return {
      service: 'inference',
      status: bad ? 'warn' : 'ok',
      summary: `Text: ${slot(st.text)}; embeddings: ${slot(st.embedding)}.${st.text.fallbackReason ? ` ${st.text.fallbackReason}.` : ''}`,
      figures: {
        textArm: st.text.arm,
        textBackend: st.text.backend,
        device: st.text.device,
        vramBytes: st.text.vramBytes,
        offloadedLayers: st.text.offloadedLayers,
        tokensPerSecond: st.text.tokensPerSecond,
        embeddingArm: st.embedding.arm,
      },
    };
  });
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
    db,
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
