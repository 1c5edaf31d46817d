// Run artifacts and the release gate (issue 8; README.md in this folder). The door of
// src/main/features/evidence: createEvidenceService.
//
// - addArtifact: a file (stored content-addressed in the attachment store, SHA-256 computed) or a
//   URI; what the content is (SBOM, SLSA provenance, risk assessment) is recognised from the bytes,
//   and the flags of EVERY artifact of the run are re-derived (provenance may arrive after its
//   subject). A flag given by hand is stored with source 'manual' and is never re-derived. One audit
//   entry per artifact (`artifact.added`), in the insert's transaction.
// - releaseGate: the rule (policy `params.releaseGate`, else the default: run succeeded and at least
//   one artifact with all three flags) evaluated; every evaluation is a row, a `release.gate`
//   decision card and a `release.gate.evaluated` audit entry, in one transaction.
// - complianceReport: the artifacts with flags and sources, the last evaluation, what is missing.
export { ruleFromParams } from './rule';
export type { EvidenceService, EvidenceServiceDeps } from './service';
export type { GatePolicySource } from './ports';
import { Evidence, type EvidenceService, type EvidenceServiceDeps } from './service';

export function createEvidenceService(deps: EvidenceServiceDeps): EvidenceService {
  return new Evidence(deps);
}
