import type { Migration } from '../../../../platform/migrations';

export const m015ArtifactSignatures: Migration = {
  version: 15,
  name: 'provenance signatures: whether a SLSA statement verified, and with which key (features/evidence)',
  sql: `
      -- JSON {verified, by, reason} for a SLSA provenance document (DSSE or Sigstore): only a
      -- verified statement sets slsa_provenance_present. NULL for every other artifact.
      ALTER TABLE run_artifacts ADD COLUMN signature TEXT CHECK (signature IS NULL OR json_valid(signature));
  `,
};
