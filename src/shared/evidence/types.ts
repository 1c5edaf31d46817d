// Run artifacts and the release gate (src/main/features/evidence): what the API returns. Plain JSON,
// declared once with TypeBox (JSON Schemas re-exported by ./schemas.ts; types derived with Static).
import { Type, type Static } from '@sinclair/typebox';
import { enumOf, keyed, nullable, obj } from '../typebox';

/** The three governance flags of an artifact (names as in the design notes' MVP). */
export const ARTIFACT_FLAGS = ['sbom_present', 'slsa_provenance_present', 'risk_assessment_present'] as const;
export type ArtifactFlag = (typeof ARTIFACT_FLAGS)[number];

const str = Type.String();
const strs = Type.Array(str);
const nonNeg = Type.Integer({ minimum: 0 });
const sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const runId = Type.String({ minLength: 1, maxLength: 100 });

/** `derived`: computed from the run's artifact contents; `manual`: set by hand when the artifact was added. */
const flagSourceSchema = enumOf(['derived', 'manual']);
export type FlagSource = Static<typeof flagSourceSchema>;

const artifactFlagViewSchema = obj({
  value: Type.Boolean(),
  source: flagSourceSchema,
  /** Why (derived: which document and how it matched; manual: who set it). */
  reason: str,
});

/**
 * What an artifact's content was recognised as (null: nothing known):
 * `cyclonedx` / `spdx` (an SBOM), `slsa-provenance` (an in-toto Statement with a SLSA provenance
 * predicate), `risk-assessment` (the risk document schema in src/main/features/evidence/README.md).
 */
const evidenceDocTypeSchema = enumOf(['cyclonedx', 'spdx', 'slsa-provenance', 'risk-assessment']);
export type EvidenceDocType = Static<typeof evidenceDocTypeSchema>;

export const artifactViewSchema = obj({
  id: str,
  runId: str,
  name: str,
  kind: enumOf(['file', 'uri']),
  /** SHA-256 (hex) of the stored bytes; null for a URI artifact. */
  sha256: nullable(sha256),
  bytes: nullable(nonNeg),
  mediaType: nullable(str),
  uri: nullable(str),
  docType: nullable(evidenceDocTypeSchema),
  /** SHA-256 digests the document names as its subjects (provenance subjects, SBOM component hashes, risk subjects). */
  subjects: Type.Array(sha256),
  /** SLSA provenance: whether its DSSE/Sigstore signature verified with a key the policy lists (only then it counts). */
  signature: Type.Optional(obj({ verified: Type.Boolean(), by: nullable(str), reason: str })),
  flags: keyed(ARTIFACT_FLAGS, artifactFlagViewSchema),
  createdAt: str,
  actor: str,
});
export type ArtifactView = Static<typeof artifactViewSchema>;

/** The release-gate rule: policy `params.releaseGate` when present, else DEFAULT_RELEASE_GATE_RULE. */
const releaseGateRuleSchema = obj({
  requireRunSucceeded: Type.Boolean(),
  requiredFlags: Type.Array(enumOf(ARTIFACT_FLAGS), { uniqueItems: true, maxItems: ARTIFACT_FLAGS.length }),
  minCompliantArtifacts: Type.Integer({ minimum: 0, maximum: 10_000 }),
});
export type ReleaseGateRule = Static<typeof releaseGateRuleSchema>;

export const DEFAULT_RELEASE_GATE_RULE: ReleaseGateRule = {
  requireRunSucceeded: true,
  requiredFlags: [...ARTIFACT_FLAGS],
  minCompliantArtifacts: 1,
};

export const releaseGateResultSchema = obj({
  id: str,
  runId: str,
  passed: Type.Boolean(),
  message: str,
  details: obj({
    total: nonNeg,
    compliant: nonNeg,
    compliantIds: strs,
    runStatus: str,
    rule: releaseGateRuleSchema,
    /** Where the rule came from: the policy (with its version) or the built-in default. */
    ruleSource: str,
    /** Compliant artifacts that count only thanks to a flag set by hand. */
    manualCompliantIds: strs,
    /** What is missing, in words (empty when passed). */
    missing: strs,
  }),
  cardId: str,
  createdAt: str,
  actor: str,
});
export type ReleaseGateResult = Static<typeof releaseGateResultSchema>;

export const complianceReportSchema = obj({
  runId: str,
  runStatus: str,
  rule: releaseGateRuleSchema,
  ruleSource: str,
  artifacts: Type.Array(artifactViewSchema),
  compliantIds: strs,
  /** What the gate would miss now, in words (empty: it would pass). */
  missing: strs,
  lastEvaluation: nullable(releaseGateResultSchema),
});
export type ComplianceReport = Static<typeof complianceReportSchema>;

/**
 * Input of `artifacts.add`: exactly one of dataBase64 (a file) and uri. That rule is checked by the
 * service (ajv's strict mode refuses a `required` naming properties a sub-schema does not define),
 * answered as VALIDATION_ERROR before any write. 10 MiB of bytes is at most 14 MiB of base64.
 */
export const addArtifactRequestSchema = obj({
  runId,
  name: Type.String({ minLength: 1, maxLength: 200, pattern: '\\S' }),
  dataBase64: Type.Optional(Type.String({ minLength: 4, maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' })),
  uri: Type.Optional(Type.String({ minLength: 3, maxLength: 2048, pattern: '^[A-Za-z][A-Za-z0-9+.-]*:\\S+$' })),
  mediaType: Type.Optional(Type.String({ pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 })),
  /** Manual overrides: recorded with source 'manual' and never re-derived. */
  flags: Type.Optional(keyed(ARTIFACT_FLAGS, Type.Optional(Type.Boolean()))),
});
export type AddArtifactInput = Static<typeof addArtifactRequestSchema>;

export const runIdRequestSchema = obj({ runId });
