// The full handler table: one line per feature, each feature's api.ts given its own service and the
// ports it needs. No logic here; the handlers live with their features.
import type { ApiChannels, HandlersFor } from '../../shared/api/index';
import type { Services } from './services';
import { systemApi } from './system-api';
import { auditApi } from '../platform/audit/api';
import { profileApi } from '../features/profile/api';
import { contractsApi } from '../features/contracts/api';
import { captureApi } from '../features/capture/api';
import { outboxApi } from '../features/outbox/api';
import { syncApi } from '../features/sync/api';
import { governanceApi } from '../features/governance/api';
import { adminApi } from '../features/admin/api';
import { runsApi } from '../features/runs/api';
import { cardsApi } from '../features/cards/api';
import { policyApi } from '../features/policy/api';
import { bundlesApi } from '../features/bundles/handlers';
import { updatesApi } from '../features/updates/api';
import { memoryApi } from '../features/memory/api';
import { screenText } from '../features/policy/injection';
import { inferenceApi } from '../features/inference/handlers';
import { evidenceApi } from '../features/evidence/api';
import { teamApi } from '../features/team/api';
import { backupApi } from '../features/backup/api';

/** One function per channel; inputs arrive already validated against the channel's schema. */
export type Handlers = HandlersFor<ApiChannels>;

export function buildHandlers(s: Services): Handlers {
  const { profile, audit, clock } = s;
  const device = { db: s.db, clock, secrets: s.secrets, fetch: s.fetch };
  return {
    ...systemApi({ info: s.info, health: s.health, clock }),
    ...auditApi({ audit, profile }),
    ...profileApi({ profile }),
    ...contractsApi({ contracts: s.contracts }),
    ...captureApi({ capture: s.capture, clock }),
    ...outboxApi({ outbox: s.outbox, profile }),
    ...syncApi({ sync: s.sync, secrets: s.secrets, logger: s.logger, audit, profile, tenantKeys: s.team }),
    ...governanceApi({ governance: s.governance }),
    ...adminApi({ admin: s.admin, profile }),
    ...runsApi({ runs: s.runs, profile, team: s.team, sync: s.sync }),
    ...cardsApi({ cards: s.runs.cards, tenant: s.team }),
    ...policyApi({ policy: s.policy, workflows: s.runs, alerts: s.sync, audit, profile, clock, loadedAt: policyLoadedAt(s) }),
    ...bundlesApi({ bundles: s.bundles, device, profile }),
    ...updatesApi({ updates: s.updates, installer: () => s.updateInstaller }),
    ...memoryApi({ memory: s.memory, profile, screen: screenText }),
    ...inferenceApi({ inference: s.inference }),
    ...evidenceApi({ evidence: s.evidence, pack: s, dataDir: s.info.dataDir, clock, events: s.events, audit, profile }),
    ...teamApi({ team: s.team }),
    ...backupApi({ backup: s.backup, events: s.events, profile }),
  };
}

/** Services.policyLoadedAt, read and written by policy.reload. */
const policyLoadedAt = (s: Services) => ({
  get: () => s.policyLoadedAt,
  set: (at: string) => {
    s.policyLoadedAt = at;
  },
});
