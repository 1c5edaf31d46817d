// Run artifacts and the release gate (src/main/features/evidence): what the API returns. Plain JSON.

/** The three governance flags of an artifact (names as in the design notes' MVP). */
export const ARTIFACT_FLAGS = ['sbom_present', 'slsa_provenance_present', 'risk_assessment_present'] as const;
export type ArtifactFlag = (typeof ARTIFACT_FLAGS)[number];

/** `derived`: computed from the run's artifact contents; `manual`: set by hand when the artifact was added. */
export type FlagSource = 'derived' | 'manual';

export interface ArtifactFlagView {
  value: boolean;
  source: FlagSource;
  /** Why (derived: which document and how it matched; manual: who set it). */
  reason: string;
}

/**
 * What an artifact's content was recognised as (null: nothing known):
 * `cyclonedx` / `spdx` (an SBOM), `slsa-provenance` (an in-toto Statement with a SLSA provenance
 * predicate), `risk-assessment` (the risk document schema in src/main/features/evidence/README.md).
 */
export type EvidenceDocType = 'cyclonedx' | 'spdx' | 'slsa-provenance' | 'risk-assessment';

export interface ArtifactView {
  id: string;
  runId: string;
  name: string;
  kind: 'file' | 'uri';
  /** SHA-256 (hex) of the stored bytes; null for a URI artifact. */
  sha256: string | null;
  bytes: number | null;
  mediaType: string | null;
  uri: string | null;
  docType: EvidenceDocType | null;
  /** SHA-256 digests the document names as its subjects (provenance subjects, SBOM component hashes, risk subjects). */
  subjects: string[];
  flags: Record<ArtifactFlag, ArtifactFlagView>;
  createdAt: string;
  actor: string;
}

/** The release-gate rule: policy `params.releaseGate` when present, else DEFAULT_RELEASE_GATE_RULE. */
export interface ReleaseGateRule {
  requireRunSucceeded: boolean;
  requiredFlags: ArtifactFlag[];
  minCompliantArtifacts: number;
}

export const DEFAULT_RELEASE_GATE_RULE: ReleaseGateRule = {
  requireRunSucceeded: true,
  requiredFlags: [...ARTIFACT_FLAGS],
  minCompliantArtifacts: 1,
};

export interface ReleaseGateResult {
  id: string;
  runId: string;
  passed: boolean;
  message: string;
  details: {
    total: number;
    compliant: number;
    compliantIds: string[];
    runStatus: string;
    rule: ReleaseGateRule;
    /** Where the rule came from: the policy (with its version) or the built-in default. */
    ruleSource: string;
    /** Compliant artifacts that count only thanks to a flag set by hand. */
    manualCompliantIds: string[];
    /** What is missing, in words (empty when passed). */
    missing: string[];
  };
  cardId: string;
  createdAt: string;
  actor: string;
}

export interface ComplianceReport {
  runId: string;
  runStatus: string;
  rule: ReleaseGateRule;
  ruleSource: string;
  artifacts: ArtifactView[];
  compliantIds: string[];
  /** What the gate would miss now, in words (empty: it would pass). */
  missing: string[];
  lastEvaluation: ReleaseGateResult | null;
}

/** Input of `artifacts.add`: exactly one of dataBase64 (a file) and uri. */
export interface AddArtifactInput {
  runId: string;
  name: string;
  dataBase64?: string;
  uri?: string;
  mediaType?: string;
  /** Manual overrides: recorded with source 'manual' and never re-derived. */
  flags?: Partial<Record<ArtifactFlag, boolean>>;
}
