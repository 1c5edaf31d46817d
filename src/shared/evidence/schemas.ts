// The JSON Schemas (draft 2020-12) of the artifact and release-gate channels. Each is declared once
// with TypeBox next to its type (./types.ts); this module keeps their import path for the validators.
export { addArtifactRequestSchema, artifactViewSchema, complianceReportSchema, releaseGateResultSchema, runIdRequestSchema } from './types';
