// The sealed-state report's parts: one installed version as the UI shows it, and the trusted root.
import type { BundleInfo, BundleState, BundleVersionView, Envelope, RoleName, RootMeta, SealedStateReport } from '../../../shared/bundles/types';
import { ROLES } from '../../../shared/bundles/types';
import { decodeStoredError, type StoredError } from '../../../shared/error-messages';
import { messageForLog, msg } from '../../../shared/messages';
import type { InstallRow } from './install-rows';

/** Why a version is quarantined: a message (refusals.tamper.*), or the plain sentence of a row from before messages. */
const quarantineReason = (row: InstallRow): StoredError => decodeStoredError(row.quarantine_reason) ?? msg('refusals.tamper.unknown');

/** The same as text for logs and refusals (the code form of a message). */
export function quarantineText(row: InstallRow): string {
  const r = quarantineReason(row);
  return typeof r === 'string' ? r : messageForLog(r);
}

function stateOf(row: InstallRow, now: number, reverifyMs: number): BundleState {
  if (row.quarantined_at) return 'quarantined';
  if (Date.parse(row.expires) <= now) return 'expired';
  if (now - Date.parse(row.verified_at) > 2 * reverifyMs) return 'stale';
  return 'verified';
}

/** One installed version; `now` judges expiry and staleness (a full re-hash is due every reverifyMs). */
export function versionView(row: InstallRow, now: number, reverifyMs: number, active: boolean): BundleVersionView {
  const info = JSON.parse(row.info) as BundleInfo;
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    version: row.version,
    description: info.description,
    targetsVersion: row.targets_version,
    state: stateOf(row, now, reverifyMs),
    active,
    expires: row.expires,
    signers: JSON.parse(row.signers) as { keyid: string; role: RoleName }[],
    files: row.files,
    bytes: row.bytes,
    installedAt: row.installed_at,
    source: row.source,
    verifiedAt: row.verified_at,
    quarantine: row.quarantined_at ? { at: row.quarantined_at, reason: quarantineReason(row), path: row.quarantine_path } : null,
    model: info.model ?? null,
    app: info.app ?? null,
  };
}

/** The trusted root as the report shows it (version 0 when none is trusted). */
export function rootSummary(root: Envelope<RootMeta> | null): SealedStateReport['root'] {
  return root
    ? {
        version: root.signed.version,
        expires: root.signed.expires,
        thresholds: Object.fromEntries(ROLES.map((r) => [r, root.signed.roles[r].threshold])) as Record<RoleName, number>,
        keyCount: Object.keys(root.signed.keys).length,
      }
    : { version: 0, expires: '', thresholds: { root: 0, targets: 0, snapshot: 0, timestamp: 0 }, keyCount: 0 };
}
