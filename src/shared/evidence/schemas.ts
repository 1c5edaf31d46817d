// JSON Schemas (draft 2020-12) of the artifact and release-gate channels: plain data.
import { ARTIFACT_FLAGS } from './types';

type Schema = Record<string, unknown>;

const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const nullable = (x: Schema): Schema => ({ anyOf: [{ type: 'null' }, x] });
const str: Schema = { type: 'string' };
const runId: Schema = { type: 'string', minLength: 1, maxLength: 100 };
const sha256: Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const flagName: Schema = { enum: [...ARTIFACT_FLAGS] };
const flagsOf = (x: Schema): Schema => obj(Object.fromEntries(ARTIFACT_FLAGS.map((f) => [f, x])), []);

export const artifactFlagViewSchema: Schema = obj({ value: { type: 'boolean' }, source: { enum: ['derived', 'manual'] }, reason: str });

export const artifactViewSchema: Schema = obj({
  id: str,
  runId: str,
  name: str,
  kind: { enum: ['file', 'uri'] },
  sha256: nullable(sha256),
  bytes: nullable({ type: 'integer', minimum: 0 }),
  mediaType: nullable(str),
  uri: nullable(str),
  docType: nullable({ enum: ['cyclonedx', 'spdx', 'slsa-provenance', 'risk-assessment'] }),
  subjects: { type: 'array', items: sha256 },
  flags: { ...flagsOf(artifactFlagViewSchema), required: [...ARTIFACT_FLAGS] },
  createdAt: str,
  actor: str,
});

export const releaseGateRuleSchema: Schema = obj({
  requireRunSucceeded: { type: 'boolean' },
  requiredFlags: { type: 'array', items: flagName, uniqueItems: true, maxItems: ARTIFACT_FLAGS.length },
  minCompliantArtifacts: { type: 'integer', minimum: 0, maximum: 10_000 },
});

export const releaseGateResultSchema: Schema = obj({
  id: str,
  runId: str,
  passed: { type: 'boolean' },
  message: str,
  details: obj({
    total: { type: 'integer', minimum: 0 },
    compliant: { type: 'integer', minimum: 0 },
    compliantIds: { type: 'array', items: str },
    runStatus: str,
    rule: releaseGateRuleSchema,
    ruleSource: str,
    manualCompliantIds: { type: 'array', items: str },
    missing: { type: 'array', items: str },
  }),
  cardId: str,
  createdAt: str,
  actor: str,
});

export const complianceReportSchema: Schema = obj({
  runId: str,
  runStatus: str,
  rule: releaseGateRuleSchema,
  ruleSource: str,
  artifacts: { type: 'array', items: artifactViewSchema },
  compliantIds: { type: 'array', items: str },
  missing: { type: 'array', items: str },
  lastEvaluation: nullable(releaseGateResultSchema),
});

/** 10 MiB of bytes is at most 14 MiB of base64. */
export const addArtifactRequestSchema: Schema = obj(
  {
    runId,
    name: { type: 'string', minLength: 1, maxLength: 200, pattern: '\\S' },
    dataBase64: { type: 'string', minLength: 4, maxLength: 14 * 1024 * 1024, pattern: '^[A-Za-z0-9+/]*={0,2}$' },
    uri: { type: 'string', minLength: 3, maxLength: 2048, pattern: '^[A-Za-z][A-Za-z0-9+.-]*:\\S+$' },
    mediaType: { type: 'string', pattern: '^[a-z]+/[a-z0-9.+-]+$', maxLength: 100 },
    flags: flagsOf({ type: 'boolean' }),
  },
  ['runId', 'name'],
);
// Exactly one of dataBase64 and uri: checked by the service (ajv's strict mode refuses a `required`
// naming properties a sub-schema does not define), answered as VALIDATION_ERROR before any write.

export const runIdRequestSchema: Schema = obj({ runId });
