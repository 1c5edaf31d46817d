// The decision card of a quarantine: a verified file changed at rest, the version is set aside.
import { BUNDLE_REFUSALS } from '../../../shared/bundles/types';
import type { NewCard } from '../cards/types';
import type { InstallRow } from './install-rows';

/** The `bundle.quarantine` card of one version, and the version it fell back to (if any). */
export function quarantineCard(row: InstallRow, reason: string, path: string | null, fallback: InstallRow | null): NewCard {
  return {
    kind: 'bundle.quarantine',
    runId: '',
    stepId: null,
    subject: `Quarantine ${row.name} ${row.version}`,
    options: [
      {
        id: 'quarantine',
        label: fallback ? `Quarantine and fall back to ${fallback.version}` : 'Quarantine (no good version left: its consumers fail closed)',
        predictedQuality: 1,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
      { id: 'keep', label: 'Keep using the changed files', predictedQuality: 0, predictedCostCents: 0, latencyMs: 0, uncertainty: 1 },
    ],
    chosen: 'quarantine',
    rationale: `${reason}. A file that no longer matches its signed hash is never loaded.`,
    invariants: [
      {
        id: 'BUNDLE.SEALED',
        pass: false,
        message: `${path ?? row.name} does not match the verified record`,
        values: { bundle: row.name, version: row.version, path },
      },
    ],
    policy: { decision: 'deny', reasons: [BUNDLE_REFUSALS.BUNDLE_TAMPERED], policyVersion: null },
    lane: 'RED',
    laneReasons: ['sealed bundle tampered'],
    evidence: { memoryIds: [], bundleDigests: [row.targets_sha256], modelId: null },
    nextSafeStep: fallback
      ? `Version ${fallback.version} is active; re-install ${row.name} from a trusted source`
      : `Re-install ${row.name} from a trusted source (sealed-state view)`,
    status: 'denied',
  };
}
