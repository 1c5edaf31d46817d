import type { Migration } from '../../../../platform/migrations';

export const m010Artifacts: Migration = {
  version: 10,
  name: 'run artifacts and release-gate evaluations',
  sql: `
      -- A run's artifacts: a stored file (content-addressed in attachments/, sha256 + bytes) or a URI.
      -- Each governance flag has a source: 'derived' (recomputed from the run's artifact contents
      -- whenever an artifact is added) or 'manual' (set by hand; never re-derived).
      CREATE TABLE run_artifacts (
        seq                            INTEGER PRIMARY KEY,
        id                             TEXT NOT NULL UNIQUE,
        run_id                         TEXT NOT NULL REFERENCES runs(id),
        name                           TEXT NOT NULL,
        kind                           TEXT NOT NULL CHECK (kind IN ('file','uri')),
        sha256                         TEXT CHECK (sha256 IS NULL OR (length(sha256) = 64 AND sha256 NOT GLOB '*[^0-9a-f]*')),
        bytes                          INTEGER CHECK (bytes IS NULL OR bytes >= 0),
        media_type                     TEXT,
        uri                            TEXT,
        -- What the content was recognised as, and the SHA-256 subjects it names (JSON array).
        doc_type                       TEXT CHECK (doc_type IS NULL OR doc_type IN ('cyclonedx','spdx','slsa-provenance','risk-assessment')),
        subjects                       TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(subjects) AND json_type(subjects) = 'array'),
        sbom_present                   INTEGER NOT NULL DEFAULT 0 CHECK (sbom_present IN (0,1)),
        sbom_source                    TEXT NOT NULL DEFAULT 'derived' CHECK (sbom_source IN ('derived','manual')),
        slsa_provenance_present        INTEGER NOT NULL DEFAULT 0 CHECK (slsa_provenance_present IN (0,1)),
        slsa_provenance_source         TEXT NOT NULL DEFAULT 'derived' CHECK (slsa_provenance_source IN ('derived','manual')),
        risk_assessment_present        INTEGER NOT NULL DEFAULT 0 CHECK (risk_assessment_present IN (0,1)),
        risk_assessment_source         TEXT NOT NULL DEFAULT 'derived' CHECK (risk_assessment_source IN ('derived','manual')),
        -- Why each flag has its value: {"sbom_present": "...", ...}
        flag_reasons                   TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(flag_reasons)),
        created_at                     TEXT NOT NULL,
        actor                          TEXT NOT NULL,
        CHECK ((kind = 'file' AND sha256 IS NOT NULL AND bytes IS NOT NULL AND uri IS NULL) OR (kind = 'uri' AND uri IS NOT NULL AND sha256 IS NULL))
      ) STRICT;
      CREATE INDEX run_artifacts_run ON run_artifacts(run_id, seq);

      -- Every release-gate evaluation (each also writes a release.gate decision card).
      CREATE TABLE release_gate_evaluations (
        seq        INTEGER PRIMARY KEY,
        id         TEXT NOT NULL UNIQUE,
        run_id     TEXT NOT NULL REFERENCES runs(id),
        passed     INTEGER NOT NULL CHECK (passed IN (0,1)),
        message    TEXT NOT NULL,
        details    TEXT NOT NULL CHECK (json_valid(details)),
        card_id    TEXT NOT NULL,
        created_at TEXT NOT NULL,
        actor      TEXT NOT NULL
      ) STRICT;
      CREATE INDEX release_gate_evaluations_run ON release_gate_evaluations(run_id, seq);
      CREATE TRIGGER release_gate_evaluations_no_update BEFORE UPDATE ON release_gate_evaluations
        BEGIN SELECT RAISE(ABORT, 'release-gate evaluations are immutable'); END;
      CREATE TRIGGER release_gate_evaluations_no_delete BEFORE DELETE ON release_gate_evaluations
        BEGIN SELECT RAISE(ABORT, 'release-gate evaluations are immutable'); END;
    `,
};
