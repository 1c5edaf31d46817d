// The decision card of a quarantine: a verified file changed at rest, the version is set aside.
import { refusalMessage } from '../../../shared/bundles/errors';
import { msg } from '../../../shared/messages';
import type { NewCard } from '../cards/types';
import type { InstallRow } from './install-rows';

/** The `bundle.quarantine` card of one version, and the version it fell back to (if any). */
export function quarantineCard(row: InstallRow, reason: string, path: string | null, fallback: InstallRow | null): NewCard {
  return {
    kind: 'bundle.quarantine',
    runId: '',
    stepId: null,
    subject: `Quarantine ${row.name} ${row.version}`,
    subjectWords: { text: msg('system.quarantine.subject', { name: row.name, version: row.version }) },
    options: [
      {
        id: 'quarantine',
        label: fallback ? `Quarantine and fall back to ${fallback.version}` : 'Quarantine (no good version left: its consumers fail closed)',
        labelWords: { text: fallback ? msg('system.quarantine.fall_back', { version: fallback.version }) : msg('system.quarantine.no_fallback') },
        predictedQuality: 1,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 0,
      },
      {
        id: 'keep',
        label: 'Keep using the changed files',
        labelWords: { text: msg('system.quarantine.keep') },
        predictedQuality: 0,
        predictedCostCents: 0,
        latencyMs: 0,
        uncertainty: 1,
      },
    ],
    chosen: 'quarantine',
    rationale: `${reason}. A file that no longer matches its signed hash is never loaded.`,
    // The reason is the check's own account (a path and what differs); the rest in the reader's language.
    rationaleWords: { text: msg('system.quarantine.rationale', { reason }) },
    invariants: [
      {
        id: 'BUNDLE.SEALED',
        pass: false,
        message: `${path ?? row.name} does not match the verified record`,
        values: { bundle: row.name, version: row.version, path },
      },
    ],
    policy: { decision: 'deny', reasons: [refusalMessage('BUNDLE_TAMPERED', { path, name: row.name, version: row.version })], policyVersion: null },
    lane: 'RED',
    laneReasons: [msg('guard.lane.bundle_tampered', { name: row.name, version: row.version })],
    evidence: { memoryIds: [], bundleDigests: [row.targets_sha256], modelId: null },
    nextSafeStep: fallback
      ? msg('guard.next.bundle_fallback', { version: fallback.version, name: row.name })
      : msg('guard.next.bundle_reinstall', { name: row.name }),
    status: 'denied',
  };
}
