// artifacts.*, release.*, evidence.*: run artifacts, the release gate and disclosure packs (src/main/features/evidence).
import { Type, type Static } from '@sinclair/typebox';
import type { AddArtifactInput, ArtifactView, ComplianceReport, ReleaseGateResult } from '../evidence/types';
import { addArtifactRequestSchema, artifactViewSchema, complianceReportSchema, releaseGateResultSchema, runIdRequestSchema } from '../evidence/schemas';
import { channel, enumOf, foreign, nullable, obj, opId, sha256Hex, shortText, str } from './channel';

/** A disclosure pack written to the device's exports folder. */
export const packExportSchema = obj({
  path: str(),
  files: Type.Integer(),
  bytes: Type.Integer(),
  manifestSha256: sha256Hex(),
  piiIncluded: Type.Boolean(),
  countersigned: Type.Boolean(),
});
export type PackExport = Static<typeof packExportSchema>;

/** The offline verifier's report (scripts/verify-pack.mjs prints the same). */
export const packVerifyReportSchema = obj({
  ok: Type.Boolean(),
  runId: nullable(str()),
  deviceId: nullable(str()),
  files: Type.Integer(),
  receipts: Type.Integer(),
  proofs: Type.Integer(),
  countersigned: Type.Boolean(),
  failures: Type.Array(obj({ file: str(), code: str(), message: str() })),
  text: str(),
});
export type PackVerifyReport = Static<typeof packVerifyReportSchema>;

const runIdRequest = foreign<{ runId: string }>(runIdRequestSchema);
const artifactView = foreign<ArtifactView>(artifactViewSchema);

export const evidenceChannels = {
  'evidence.exportPack': channel(
    'Write the run’s disclosure pack (.tar.gz: signed manifest, receipts, cards, logs, proofs) to the exports folder; PII hashed unless a reviewer/admin asks to include it.',
    obj({ runId: shortText(100), includePii: Type.Optional(Type.Boolean()), opId: Type.Optional(opId()) }),
    packExportSchema,
  ),
  'evidence.verifyPack': channel(
    'Verify a disclosure pack offline (hashes, device signature, receipts, proofs, countersigned root).',
    obj({ path: Type.String({ minLength: 1, maxLength: 4096 }) }),
    packVerifyReportSchema,
  ),
  'artifacts.add': channel(
    "Add an artifact to a run: a file (base64, at most 10 MiB, stored content-addressed) or a URI; flags are derived from the run's artifacts unless given by hand (recorded as manual). Audited.",
    foreign<AddArtifactInput>(addArtifactRequestSchema),
    obj({ artifact: artifactView }),
  ),
  'artifacts.list': channel("A run's artifacts with their flags (value, derived or manual, why).", runIdRequest, obj({ artifacts: Type.Array(artifactView) })),
  'release.gate': channel(
    'Evaluate the release gate of a run (policy params.releaseGate, else: run succeeded and one artifact with all three flags); writes a release.gate decision card. Audited.',
    runIdRequest,
    foreign<ReleaseGateResult>(releaseGateResultSchema),
  ),
  'release.report': channel(
    'Compliance report of a run: artifacts with flags and sources, what the gate misses, the last evaluation.',
    runIdRequest,
    foreign<ComplianceReport>(complianceReportSchema),
  ),
};

export const evidenceEvents = {
  /** Disclosure pack export progress. */
  'evidence.pack.progress': obj({
    opId: str(),
    phase: enumOf(['collect', 'proofs', 'write', 'done']),
    done: Type.Integer({ minimum: 0 }),
    total: Type.Integer({ minimum: 0 }),
  }),
};
