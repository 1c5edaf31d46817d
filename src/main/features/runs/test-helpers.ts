// Shared by the run-engine tests and the crash-resume child process: a device with a profile, a
// fresh sync (so a submit is allowed), and a RunService built from its services.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Services } from '../../app/services';
import { DEFAULT_RESOURCES_DIR } from '../../app/services';
import { writeSyncConfig, noteSynced } from '../../platform/device/sync-config';
import { silentLogger } from '../../platform/util/logger';
import type { Clock } from '../../platform/util/clock';
import type { ExecutorName } from '../../../shared/workflow/types';
import type { GuardActor } from '../../../shared/policy/types';
import { createCardStore, type CardStore } from '../cards/index';
import { createOutboxWithdrawal } from '../outbox/withdraw';
import { createRunService } from './engine';
import type { RunService, RunServiceDeps } from './types';
import type { Guard } from './guard';
import type { Executor } from './executors/index';
import { aiKit, fakeGuard } from './testing';

export const REPORT_WF = 'site-inspection-report@1.0.0';
export const SPECIMEN_WF = 'specimen-intake@1.0.0';

export const report = (over: Record<string, unknown> = {}) => ({
  reportId: 'RPT-2026-017',
  siteIds: ['PS-7', 'PS-9'],
  period: { from: '2026-10-01', to: '2026-10-31' },
  conclusion: 'minor-issues',
  summary:
    'All sites were inspected in October. Pump station 7 shows corrosion on the inlet valve and needs a follow-up visit. Pump station 9 is in good condition. No safety incidents were reported during the period.',
  submittedBy: { name: 'Ada Field' },
  ...over,
});

export const specimen = (over: Record<string, unknown> = {}) => ({
  specimenId: 'SP-2026-00417',
  collectedAt: '2026-10-30',
  taxon: 'Salmo trutta',
  count: 2,
  site: { lat: 59.33, lon: 18.06, habitat: 'freshwater' },
  collector: { name: 'Ada Field' },
  preservation: 'ethanol-70',
  hazard: 'none',
  notes: 'Collected below the weir at dawn. Both fins intact, no visible lesions.',
  ...over,
});

export const reviewer: GuardActor = { id: 'prof_reviewer', role: 'reviewer', tenant: 'acme' };

/** A clock the test moves; each reading also advances it by `tickMs`. */
export function wallClock(start = '2026-11-01T08:00:00.000Z', tickMs = 5) {
  let t = Date.parse(start);
  const clock: Clock = { now: () => new Date((t += tickMs)) };
  return { clock, add: (ms: number) => (t += ms), set: (iso: string) => (t = Date.parse(iso)) };
}

/** First-run profile and a sync that just succeeded (governance then allows a submit). */
export function prepareDevice(s: Services, opts: { fresh?: boolean } = {}): void {
  if (!s.profile.get()) s.profile.setup({ name: 'Ada Field', tenant: 'acme' });
  if (s.sync.config() === null) {
    const at = s.clock.now().toISOString();
    writeSyncConfig(s.db, {
      serverUrl: 'http://127.0.0.1:1/',
      deviceId: 'dev_test',
      tenant: 'acme',
      user: 'ada',
      roles: ['field'],
      serverKeyId: 'k',
      serverPublicKey: 'A'.repeat(43) + '=',
      enrolledAt: at,
      contracts: {},
    });
    if (opts.fresh !== false) noteSynced(s.db, at, at, {});
  }
}

export function runServiceFor(
  s: Services,
  o: {
    guard?: Guard;
    resourcesDir?: string;
    executors?: Partial<Record<ExecutorName, Executor>>;
    locality?: RunServiceDeps['locality'];
    inference?: RunServiceDeps['inference'];
    memory?: RunServiceDeps['memory'];
    workflows?: RunServiceDeps['workflows'];
  } = {},
): RunService<CardStore> {
  return createRunService({
    db: s.db,
    clock: s.clock,
    audit: s.audit,
    profile: s.profile,
    // Its own card store, as the engine had before it was given one: no team sharing in these tests.
    cards: createCardStore({ db: s.db, clock: s.clock, audit: s.audit }),
    contracts: s.contracts,
    capture: s.capture,
    outbox: createOutboxWithdrawal({ db: s.db, audit: s.audit, outbox: s.outbox }),
    governance: s.governance,
    aiKit,
    guard: o.guard ?? fakeGuard(),
    resourcesDir: o.resourcesDir ?? DEFAULT_RESOURCES_DIR,
    logger: silentLogger,
    executors: o.executors,
    locality: o.locality,
    inference: o.inference,
    memory: o.memory,
    workflows: o.workflows,
  });
}

/** A resources dir holding only the given workflow files (name → YAML text). */
export function workflowsDir(base: string, files: Record<string, string>): string {
  mkdirSync(join(base, 'workflows'), { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(base, 'workflows', name), text);
  return base;
}
