// JSON Schemas of the bundle metadata roles (checked before any signature is looked at) and of the
// sealed-state views. Plain data, compiled where validation runs.
import { BUNDLE_KINDS, BUNDLE_REFUSAL_CODES, BUNDLE_STATES, ROLES } from './types';

type Schema = Record<string, unknown>;
const str: Schema = { type: 'string' };
const int: Schema = { type: 'integer' };
const nonNeg: Schema = { type: 'integer', minimum: 0 };
const hex64: Schema = { type: 'string', pattern: '^[0-9a-f]{64}$' };
const nullable = (x: Schema): Schema => ({ anyOf: [{ type: 'null' }, x] });
const obj = (properties: Record<string, Schema>, required = Object.keys(properties)): Schema => ({
  type: 'object',
  additionalProperties: false,
  required,
  properties,
});
const arr = (items: Schema): Schema => ({ type: 'array', items });
const isoTime: Schema = { type: 'string', pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' };
const version: Schema = { type: 'integer', minimum: 1, maximum: 2 ** 53 - 1 };
const semver: Schema = { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$', maxLength: 64 };
export const BUNDLE_NAME_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*$';
const bundleName: Schema = { type: 'string', pattern: BUNDLE_NAME_PATTERN, maxLength: 80 };

const publicKey = obj({ keytype: { const: 'ed25519' }, scheme: { const: 'ed25519' }, keyval: obj({ public: hex64 }) });
const roleKeys = obj({
  keyids: { type: 'array', items: hex64, minItems: 1, maxItems: 64, uniqueItems: true },
  threshold: { type: 'integer', minimum: 1, maximum: 64 },
});
const signature = obj({ keyid: hex64, sig: { type: 'string', pattern: '^[0-9a-f]{128}$' } });
const metaFileInfo = obj({ version, length: { type: 'integer', minimum: 1 }, hashes: obj({ sha256: hex64 }) });
const common = { spec_version: { type: 'string', pattern: '^1\\.\\d+\\.\\d+$' }, version, expires: isoTime };

const envelope = (signed: Schema): Schema => obj({ signed, signatures: { type: 'array', items: signature, maxItems: 64 } });

export const rootSchema = envelope(
  obj({
    _type: { const: 'root' },
    ...common,
    consistent_snapshot: { const: false },
    keys: { type: 'object', propertyNames: hex64, additionalProperties: publicKey, maxProperties: 256 },
    roles: obj(Object.fromEntries(ROLES.map((r) => [r, roleKeys]))),
  }),
);

export const timestampSchema = envelope(obj({ _type: { const: 'timestamp' }, ...common, bundle: bundleName, meta: obj({ 'snapshot.json': metaFileInfo }) }));
export const snapshotSchema = envelope(obj({ _type: { const: 'snapshot' }, ...common, bundle: bundleName, meta: obj({ 'targets.json': metaFileInfo }) }));

export const modelInfoSchema = obj({
  role: { enum: ['text', 'embedding'] },
  format: { enum: ['gguf', 'onnx'] },
  file: { type: 'string', minLength: 1 },
  family: { type: 'string', minLength: 1, maxLength: 80 },
  quantization: { type: 'string', minLength: 1, maxLength: 40 },
  contextLength: { type: 'integer', minimum: 1 },
  embeddingDimension: nullable({ type: 'integer', minimum: 1 }),
  licence: { type: 'string', minLength: 1, maxLength: 200 },
});
export const appUpdateInfoSchema = obj({
  appVersion: semver,
  artifact: { type: 'string', minLength: 1 },
  channelFile: { type: 'string', minLength: 1 },
  releaseNotes: nullable({ type: 'string', maxLength: 20000 }),
});

export const bundleInfoSchema = obj(
  {
    name: bundleName,
    kind: { enum: [...BUNDLE_KINDS] },
    version: semver,
    description: nullable({ type: 'string', maxLength: 2000 }),
    model: modelInfoSchema,
    app: appUpdateInfoSchema,
  },
  ['name', 'kind', 'version', 'description'],
);

export const targetsSchema = envelope(
  obj({
    _type: { const: 'targets' },
    ...common,
    bundle: bundleName,
    targets: {
      type: 'object',
      maxProperties: 100000,
      // Paths are checked in full by the verifier (safePath); this only bounds their size.
      propertyNames: { type: 'string', minLength: 1, maxLength: 1024 },
      additionalProperties: obj({ length: nonNeg, hashes: obj({ sha256: hex64 }) }),
    },
    custom: obj({ bundle: bundleInfoSchema }),
  }),
);

export const ROLE_SCHEMAS = { root: rootSchema, timestamp: timestampSchema, snapshot: snapshotSchema, targets: targetsSchema } as const;

// ---- views ----
const roleName: Schema = { enum: [...ROLES] };
export const bundleVersionViewSchema = obj({
  id: int,
  name: str,
  kind: { enum: [...BUNDLE_KINDS] },
  version: str,
  description: nullable(str),
  targetsVersion: int,
  state: { enum: [...BUNDLE_STATES] },
  active: { type: 'boolean' },
  expires: str,
  signers: arr(obj({ keyid: str, role: roleName })),
  files: int,
  bytes: int,
  installedAt: str,
  source: str,
  verifiedAt: str,
  quarantine: nullable(obj({ at: str, reason: str, path: nullable(str) })),
  model: nullable(modelInfoSchema),
  app: nullable(appUpdateInfoSchema),
});

export const sealedStateReportSchema = obj({
  root: obj({ version: int, expires: str, thresholds: obj(Object.fromEntries(ROLES.map((r) => [r, int]))), keyCount: int }),
  bundles: arr(bundleVersionViewSchema),
  referenceTime: str,
  reverifyEveryHours: { type: 'number' },
  lastStartupCheck: nullable(obj({ at: str, files: int, durationMs: { type: 'number' }, mismatches: int })),
});

export const bundleProgressSchema = obj({
  opId: str,
  phase: { enum: ['metadata', 'files', 'commit', 'done'] },
  file: nullable(str),
  bytesDone: int,
  bytesTotal: int,
  etaSeconds: nullable({ type: 'number' }),
});

export const installResultSchema = obj({
  bundle: bundleVersionViewSchema,
  activated: { type: 'boolean' },
  rootRotatedTo: nullable(int),
  durationMs: { type: 'number' },
});

export const verifyResultSchema = obj({
  ok: { type: 'boolean' },
  checkedFiles: int,
  bytes: int,
  durationMs: { type: 'number' },
  refusal: nullable(obj({ code: { enum: [...BUNDLE_REFUSAL_CODES] }, message: str, path: nullable(str) })),
  bundle: bundleVersionViewSchema,
});

export const updateStatusSchema = obj({
  current: str,
  available: nullable(obj({ version: str, releaseNotes: nullable(str), bundleVersionId: int })),
  canInstall: { type: 'boolean' },
  state: { enum: ['none', 'available', 'downloading', 'ready', 'error'] },
  error: nullable(str),
});
