// Models are bundles too: the inference service (issue #7) loads weights only through here, so a
// model file is used only after its bundle verified and while it passes the fast check.
import type { ModelInfo } from '../../../shared/bundles/types';
import type { BundleService, VerifiedModel } from './types';

export type { VerifiedModel } from './types';

/**
 * The active, verified model bundles, optionally of one role. A model whose files changed at rest
 * is quarantined by the check (and left out), and the previous good version takes its place.
 */
export function verifiedModels(bundles: Pick<BundleService, 'activeOfKind'>, role?: ModelInfo['role']): VerifiedModel[] {
  const out: VerifiedModel[] = [];
  for (const b of bundles.activeOfKind('model')) {
    const info = b.info.model;
    if (!info || (role && info.role !== role)) continue;
    try {
      const files = Object.fromEntries(b.files().map((f) => [f, b.pathOf(f)]));
      out.push({ bundle: b.info.name, version: b.info.version, info, weightsPath: files[info.file]!, weightsSha256: b.sha256(info.file), files });
    } catch {
      // Quarantined by pathOf; the fallback version (if any) is active from now on.
      out.push(...verifiedModels({ activeOfKind: (k) => bundles.activeOfKind(k).filter((x) => x.info.name === b.info.name && x.id !== b.id) }, role));
    }
  }
  return out;
}
