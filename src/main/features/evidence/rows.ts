// Rows of run_artifacts and release_gate_evaluations, and their views.
import type { ArtifactFlag, ArtifactView, EvidenceDocType, FlagSource, ReleaseGateResult } from '../../../shared/evidence/types';
import { ARTIFACT_FLAGS } from '../../../shared/evidence/types';

export interface ArtifactRow {
  seq: number;
  id: string;
  run_id: string;
  name: string;
  kind: 'file' | 'uri';
  sha256: string | null;
  bytes: number | null;
  media_type: string | null;
  uri: string | null;
  doc_type: EvidenceDocType | null;
  subjects: string;
  sbom_present: number;
  sbom_source: FlagSource;
  slsa_provenance_present: number;
  slsa_provenance_source: FlagSource;
  risk_assessment_present: number;
  risk_assessment_source: FlagSource;
  flag_reasons: string;
  /** JSON SignatureCheck for SLSA provenance, else null */
  signature: string | null;
  created_at: string;
  actor: string;
}

export interface EvalRow {
  id: string;
  run_id: string;
  passed: number;
  message: string;
  details: string;
  card_id: string;
  created_at: string;
  actor: string;
}

/** Column names of each flag's value and source. */
export const COL: Record<ArtifactFlag, { value: string; source: string }> = {
  sbom_present: { value: 'sbom_present', source: 'sbom_source' },
  slsa_provenance_present: { value: 'slsa_provenance_present', source: 'slsa_provenance_source' },
  risk_assessment_present: { value: 'risk_assessment_present', source: 'risk_assessment_source' },
};

export const FLAG_WORDS: Record<ArtifactFlag, string> = {
  sbom_present: 'an SBOM',
  slsa_provenance_present: 'SLSA provenance',
  risk_assessment_present: 'a risk assessment',
};

export function toView(r: ArtifactRow): ArtifactView {
  const reasons = JSON.parse(r.flag_reasons) as Partial<Record<ArtifactFlag, string>>;
  const flags = {} as ArtifactView['flags'];
  for (const f of ARTIFACT_FLAGS) {
    const row = r as unknown as Record<string, unknown>;
    flags[f] = { value: row[COL[f].value] === 1, source: row[COL[f].source] as FlagSource, reason: reasons[f] ?? '' };
  }
  return {
    id: r.id,
    runId: r.run_id,
    name: r.name,
    kind: r.kind,
    sha256: r.sha256,
    bytes: r.bytes,
    mediaType: r.media_type,
    uri: r.uri,
    docType: r.doc_type,
    subjects: JSON.parse(r.subjects) as string[],
    ...(r.signature ? { signature: JSON.parse(r.signature) as ArtifactView['signature'] } : {}),
    flags,
    createdAt: r.created_at,
    actor: r.actor,
  };
}

export function toResult(r: EvalRow): ReleaseGateResult {
  return {
    id: r.id,
    runId: r.run_id,
    passed: r.passed === 1,
    message: r.message,
    details: JSON.parse(r.details) as ReleaseGateResult['details'],
    cardId: r.card_id,
    createdAt: r.created_at,
    actor: r.actor,
  };
}
