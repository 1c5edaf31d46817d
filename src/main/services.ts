import { join } from 'node:path';
import { openDatabase, schemaVersion, type Db } from './db/connection';
import { registerSyncHealth } from './sync/health';
import { registerDbHealth } from './db/health';
import { createAuditService, type AuditService } from './audit/index';
import { createProfileService, type ProfileService } from './profile/index';
import { createHealthRegistry, type HealthRegistry } from './health/index';
import { createEventBus, type EventBus } from './events';
import { systemClock, type Clock } from './util/clock';
import { silentLogger, type Logger } from './util/logger';
import { APP_VERSION } from './version';
import { ContractRegistry } from './contracts/contract-loader';
import { openSecretStore, type SecretStore } from './keys/index';
import { DataKeys } from './keys/data-keys';
import { Outbox } from './outbox/index';
import { createCaptureService, type CaptureService } from './capture/index';
import { SyncEngine } from './sync/engine';
import { VerifyPool } from './sync/verify-pool';
import { ContractUpdates } from './contracts/contract-updates';
import { TrustedClock } from './util/trusted-clock';
import { Governance } from './governance/index';
import type { FetchFn } from './sync/signed-fetch';
import { AdminClient } from './admin/index';
import { PolicyEngine } from './policy/index';
import { createRunService, type RunService } from './runs/index';
import { fileURLToPath } from 'node:url';

/** Bundled resources: two levels up from both src/main (tsx) and out/main (electron-vite). */
export const DEFAULT_RESOURCES_DIR = fileURLToPath(new URL('../../resources', import.meta.url));

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
  outbox: Outbox;
  capture: CaptureService;
  sync: SyncEngine;
  admin: AdminClient;
  policy: PolicyEngine;
  runs: RunService;
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
  void s.runs.resumeAll().catch((e: unknown) => s.logger.error('resuming runs failed', { code: 'RUN_RESUME_FAILED', err: (e as Error).message }));
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
  const contracts = ContractRegistry.fromDir(join(deps.resourcesDir ?? DEFAULT_RESOURCES_DIR, 'contracts'));
  let secretsP: Promise<SecretStore> | undefined = deps.secrets ? Promise.resolve(deps.secrets) : undefined;
  const secrets = () => (secretsP ??= openSecretStore(deps.dataDir));
  const dataKeys = new DataKeys(db, secrets, clock);
  const outbox = new Outbox(db, clock, audit, deps.random);
  const capture = createCaptureService({ db, clock, dataDir: deps.dataDir, audit, profile, contracts, outbox });
  const contractUpdates = new ContractUpdates(db, contracts, audit, clock);
  for (const ref of contractUpdates.loadInstalled()) logger.warn('installed contract failed to load', { code: 'CONTRACT_LOAD_FAILED', ref });
  const trustedClock = new TrustedClock(db, clock);
  const verifyPool = new VerifyPool(deps.resourcesDir ?? DEFAULT_RESOURCES_DIR);
  const sync = new SyncEngine({ db, clock, logger, events, audit, profile, outbox, attachments: capture.attachments, dataKeys, secrets, verifyPool, contracts, contractUpdates, trustedClock, fetch: deps.fetch });
  registerSyncHealth(health, outbox, sync);
  const governance = new Governance({ db, contracts, outbox, profile, trustedClock, sync });
  governance.registerHealth(health);
  capture.setGuard((action) => governance.assertAllowed(action));
  const admin = new AdminClient({ db, clock, audit, secrets, fetch: deps.fetch });
  const resourcesDir = deps.resourcesDir ?? DEFAULT_RESOURCES_DIR;
  const policy = PolicyEngine.fromDir(join(resourcesDir, 'policy'));
  for (const e of policy.lastErrors()) {
    logger.warn('policy file refused', { code: 'POLICY_LOAD_FAILED', file: e.file, line: e.line, reason: e.reason });
    sync.alert('POLICY_LOAD_FAILED', `${e.file}:${e.line}: ${e.reason}`, e.file);
  }
  const locality = deps.locality ?? {
    region: process.env.MAESTRO_REGION ?? 'device',
    residency: process.env.MAESTRO_RESIDENCY ?? 'eu',
    serverRegion: process.env.MAESTRO_SERVER_REGION ?? 'eu-north-1',
  };
  const runs = createRunService({ db, clock, audit, profile, contracts, capture, outbox, governance, guard: policy, resourcesDir, logger, locality });
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
  runs.subscribe((e) => {
    if (e.type === 'run.changed') events.emit('runs.changed', { runId: e.runId, status: e.status });
  });
  return {
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
    outbox,
    capture,
    sync,
    admin,
    policy,
    runs,
    policyLoadedAt: clock.now().toISOString(),
    info: { version: APP_VERSION, host: deps.host, dataDir: deps.dataDir, platform: process.platform, schemaVersion: schemaVersion(db) },
    close() {
      sync.stop();
      void verifyPool.close();
      db.close();
    },
  };
}
