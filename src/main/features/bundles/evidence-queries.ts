// The digest of an installed bundle's signed targets, for the disclosure pack (features/evidence
// reads it through its PackBundleDigestsPort).
import type { Db } from '../../platform/db/connection';

export class BundleDigests {
  private readonly stmt;
  constructor(db: Db) {
    this.stmt = db.prepare('SELECT targets_sha256 FROM bundle_installs WHERE id = ?').pluck();
  }

  /** SHA-256 of the install's targets.json, or undefined for an unknown install. */
  targetsSha256(installId: number): string | undefined {
    return this.stmt.get(installId) as string | undefined;
  }
}
