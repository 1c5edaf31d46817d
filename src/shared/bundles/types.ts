// Sealed bundles: the signed-metadata format (a documented subset of The Update Framework, signed
// over RFC 8785 canonical JSON), the attack codes a verifier refuses with, and the views the API
// returns. Plain data: shared by the main process, the sync server, the CLI and the renderer. Each
// shape is declared once with TypeBox: the JSON Schemas of the metadata roles (checked before any
// signature is looked at) and of the views (re-exported by ./schemas.ts), and the types (Static).
import { Type, type Static, type TSchema, type TUnsafe } from '@sinclair/typebox';
import { messageSchema } from '../messages';
import { storedErrorSchema } from '../error-messages';
import { constOf, enumOf, keyed, mapOf, nullable, obj } from '../typebox';

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

/** policy-overlay: the development policy overlay (maestro.policy-dev), applied only in development mode. */
export const BUNDLE_KINDS = ['policy', 'policy-overlay', 'workflows', 'contracts', 'prompts', 'model', 'app-update'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

const str = Type.String();
const int = Type.Integer();
const hex64 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const isoTime = Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$' });
const version = Type.Integer({ minimum: 1, maximum: 2 ** 53 - 1 });
const semver = Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$', maxLength: 64 });
export const BUNDLE_NAME_PATTERN = '^[a-z][a-z0-9-]*(\\.[a-z0-9][a-z0-9-]*)*$';
const bundleName = Type.String({ pattern: BUNDLE_NAME_PATTERN, maxLength: 80 });

// ---- the signed metadata ----

/** An Ed25519 public key as TUF writes it: raw 32 bytes, hex. Its keyid is SHA-256 of its canonical JSON. */
const publicKeySchema = obj({ keytype: constOf('ed25519'), scheme: constOf('ed25519'), keyval: obj({ public: hex64 }) });
export type PublicKey = Static<typeof publicKeySchema>;

const roleKeysSchema = obj({
  keyids: Type.Array(hex64, { minItems: 1, maxItems: 64, uniqueItems: true }),
  threshold: Type.Integer({ minimum: 1, maximum: 64 }),
});

const signatureSchema = obj({
  keyid: hex64,
  /** Ed25519 signature over the canonical JSON of `signed`, hex. */
  sig: Type.String({ pattern: '^[0-9a-f]{128}$' }),
});
export type Signature = Static<typeof signatureSchema>;

const envelope = <T extends TSchema>(signed: T) => obj({ signed, signatures: Type.Array(signatureSchema, { maxItems: 64 }) });
/** A signed role document: generic in what is signed, so declared through the `envelope` schema builder. */
export type Envelope<T> = Static<ReturnType<typeof envelope<TUnsafe<T>>>>;

const roleCommon = {
  spec_version: Type.String({ pattern: '^1\\.\\d+\\.\\d+$' }),
  version,
  /** ISO 8601 UTC. */
  expires: isoTime,
};

const rootMetaSchema = obj({
  _type: constOf('root'),
  ...roleCommon,
  consistent_snapshot: constOf(false),
  keys: mapOf(publicKeySchema, { propertyNames: hex64, maxProperties: 256 }),
  roles: keyed(ROLES, roleKeysSchema),
});
export type RootMeta = Static<typeof rootMetaSchema>;

const metaFileInfoSchema = obj({ version, length: Type.Integer({ minimum: 1 }), hashes: obj({ sha256: hex64 }) });

/** Timestamp, snapshot and targets name the bundle they belong to, so their version counters are per bundle. */
const timestampMetaSchema = obj({ _type: constOf('timestamp'), ...roleCommon, bundle: bundleName, meta: obj({ 'snapshot.json': metaFileInfoSchema }) });
export type TimestampMeta = Static<typeof timestampMetaSchema>;

const snapshotMetaSchema = obj({ _type: constOf('snapshot'), ...roleCommon, bundle: bundleName, meta: obj({ 'targets.json': metaFileInfoSchema }) });
export type SnapshotMeta = Static<typeof snapshotMetaSchema>;

const targetFileSchema = obj({ length: Type.Integer({ minimum: 0 }), hashes: obj({ sha256: hex64 }) });
export type TargetFile = Static<typeof targetFileSchema>;

/** What a model bundle says about its weights (GGUF for text, ONNX for embeddings). */
const modelInfoSchema = obj({
  role: enumOf(['text', 'embedding']),
  format: enumOf(['gguf', 'onnx']),
  /** Target path of the weights file; tokenizer and other files are further targets. */
  file: Type.String({ minLength: 1 }),
  family: Type.String({ minLength: 1, maxLength: 80 }),
  quantization: Type.String({ minLength: 1, maxLength: 40 }),
  contextLength: Type.Integer({ minimum: 1 }),
  /** Embedding models only. */
  embeddingDimension: nullable(Type.Integer({ minimum: 1 })),
  licence: Type.String({ minLength: 1, maxLength: 200 }),
});
export type ModelInfo = Static<typeof modelInfoSchema>;

/** An app-update bundle lists the installer and electron-updater's latest*.yml as targets. */
const appUpdateInfoSchema = obj({
  appVersion: semver,
  /** Target path of the installer artifact. */
  artifact: Type.String({ minLength: 1 }),
  /** Target path of electron-updater's channel file (latest.yml, latest-linux.yml, ...). */
  channelFile: Type.String({ minLength: 1 }),
  releaseNotes: nullable(Type.String({ maxLength: 20000 })),
});
export type AppUpdateInfo = Static<typeof appUpdateInfoSchema>;

export const bundleInfoSchema = obj({
  /** e.g. maestro.policy, maestro.workflows, model.tiny-text, app-update */
  name: bundleName,
  kind: enumOf(BUNDLE_KINDS),
  /** Semantic version of the content (the metadata versions count signings). */
  version: semver,
  description: nullable(Type.String({ maxLength: 2000 })),
  model: Type.Optional(modelInfoSchema),
  app: Type.Optional(appUpdateInfoSchema),
});
export type BundleInfo = Static<typeof bundleInfoSchema>;

const targetsMetaSchema = obj({
  _type: constOf('targets'),
  ...roleCommon,
  bundle: bundleName,
  // Paths are checked in full by the verifier (safePath); this only bounds their size.
  targets: mapOf(targetFileSchema, { maxProperties: 100000, propertyNames: { type: 'string', minLength: 1, maxLength: 1024 } }),
  custom: obj({ bundle: bundleInfoSchema }),
});
export type TargetsMeta = Static<typeof targetsMetaSchema>;

export type RoleMeta = RootMeta | TargetsMeta | SnapshotMeta | TimestampMeta;

const rootSchema = envelope(rootMetaSchema);
const timestampSchema = envelope(timestampMetaSchema);
const snapshotSchema = envelope(snapshotMetaSchema);
const targetsSchema = envelope(targetsMetaSchema);
export const ROLE_SCHEMAS = { root: rootSchema, timestamp: timestampSchema, snapshot: snapshotSchema, targets: targetsSchema } as const;

export const SPEC_VERSION = '1.0.31';

/**
 * Every attack the verifier refuses, each with its own code (docs/bundles.md lists them with the
 * check that catches each). A refusal installs and loads nothing. What each code means, in words, is
 * the message `refusals.bundle.<CODE>` (src/renderer/i18n/locales/<locale>/refusals.json): code and
 * params travel, the renderer says it in the user's language.
 */
export const BUNDLE_REFUSAL_CODES = [
  /** A file's SHA-256 differs from the signed targets metadata (arbitrary file). */
  'BUNDLE_HASH_MISMATCH',
  /** A file is shorter than the signed targets metadata says (arbitrary file). */
  'BUNDLE_LENGTH_MISMATCH',
  /** A file or metadata document is longer than its cap or its signed length (endless data). */
  'BUNDLE_TOO_LARGE',
  /** A role's version is lower than the highest this device has trusted (rollback). */
  'BUNDLE_ROLLBACK',
  /** Metadata expired, judged by the device's highest-seen time (freeze). */
  'BUNDLE_EXPIRED',
  /** Metadata or files from different bundle versions or bundles were combined (mix-and-match). */
  'BUNDLE_MIX_AND_MATCH',
  /** Fewer valid signatures from the role's keys than its threshold. */
  'BUNDLE_THRESHOLD',
  /** Signed by a key the trusted root does not name. */
  'BUNDLE_UNKNOWN_KEY',
  /** Signed by a key the root names for a different role. */
  'BUNDLE_WRONG_ROLE_KEY',
  /** A new root is not exactly one version above the trusted root. */
  'BUNDLE_ROOT_VERSION',
  /** A target path escapes the bundle (.., absolute, backslash, empty segment) or names a special file. */
  'BUNDLE_PATH_UNSAFE',
  /** A symbolic link or a hard-linked file in the bundle. */
  'BUNDLE_LINK',
  /** A file in the bundle that the signed targets metadata does not list. */
  'BUNDLE_EXTRA_FILE',
  /** A file the signed targets metadata lists is absent. */
  'BUNDLE_MISSING_FILE',
  /** Metadata is not JSON or does not match the schema of its role. */
  'BUNDLE_METADATA_INVALID',
  /** The bundle is not of the kind the caller asked for, or its content is not usable for its kind. */
  'BUNDLE_KIND_MISMATCH',
  /** An installed file changed after it was verified (quarantined). */
  'BUNDLE_TAMPERED',
  /** A new minor or patch version of a contract breaks its previous version (only a new major may break). */
  'CONTRACT_NOT_COMPATIBLE',
] as const;
export type BundleRefusal = (typeof BUNDLE_REFUSAL_CODES)[number];

/** Caps against endless data. Targets are capped by their signed length. */
export const METADATA_CAPS: Record<RoleName, number> = {
  root: 512 * 1024,
  timestamp: 64 * 1024,
  snapshot: 1024 * 1024,
  targets: 16 * 1024 * 1024,
};
/** The most roots one install walks through (stops a chain of endless rotations). */
export const MAX_ROOT_ROTATIONS = 64;
/** No single target larger than this (a 70B GGUF is ~40 GiB). */
export const MAX_TARGET_BYTES = 256 * 1024 ** 3;

const BUNDLE_STATES = ['verified', 'stale', 'expired', 'quarantined'] as const;
export type BundleState = (typeof BUNDLE_STATES)[number];

// ---- views ----

/** One installed version of a bundle, as the sealed-state report shows it. */
const bundleVersionViewSchema = obj({
  id: int,
  name: str,
  kind: enumOf(BUNDLE_KINDS),
  version: str,
  description: nullable(str),
  /** targets metadata version (counts signings of this bundle). */
  targetsVersion: int,
  state: enumOf(BUNDLE_STATES),
  active: Type.Boolean(),
  /** Earliest expiry of its timestamp, snapshot and targets metadata. */
  expires: str,
  /** keyids (and labels where the root names them) whose signatures over targets verified. */
  signers: Type.Array(obj({ keyid: str, role: enumOf(ROLES) })),
  files: int,
  bytes: int,
  installedAt: str,
  source: str,
  /** Last time every file was re-hashed against the signed metadata. */
  verifiedAt: str,
  /** `reason`: why, as a message (`refusals.tamper.*`); a version quarantined before messages holds a plain sentence. */
  quarantine: nullable(obj({ at: str, reason: storedErrorSchema, path: nullable(str) })),
  model: nullable(modelInfoSchema),
  app: nullable(appUpdateInfoSchema),
});
export type BundleVersionView = Static<typeof bundleVersionViewSchema>;

export const sealedStateReportSchema = obj({
  /** Version and keyids of the trusted root (pinned or rotated to). */
  root: obj({ version: int, expires: str, thresholds: keyed(ROLES, int), keyCount: int }),
  bundles: Type.Array(bundleVersionViewSchema),
  /** The device's highest-seen time, used for expiry. */
  referenceTime: str,
  /** How often installed bundles are fully re-hashed. */
  reverifyEveryHours: Type.Number(),
  lastStartupCheck: nullable(obj({ at: str, files: int, durationMs: Type.Number(), mismatches: int })),
});
export type SealedStateReport = Static<typeof sealedStateReportSchema>;

export const bundleProgressSchema = obj({
  /** One id per install or verification (the renderer follows it). */
  opId: str,
  phase: enumOf(['metadata', 'files', 'commit', 'done']),
  file: nullable(str),
  bytesDone: int,
  bytesTotal: int,
  /** Seconds left at the current rate; null until it can be estimated. */
  etaSeconds: nullable(Type.Number()),
});
export type BundleProgress = Static<typeof bundleProgressSchema>;

export const installResultSchema = obj({
  bundle: bundleVersionViewSchema,
  /** Whether this install changed the active version (a re-install of the active version does not). */
  activated: Type.Boolean(),
  rootRotatedTo: nullable(int),
  durationMs: Type.Number(),
});
export type InstallResult = Static<typeof installResultSchema>;

export const verifyResultSchema = obj({
  ok: Type.Boolean(),
  checkedFiles: int,
  bytes: int,
  durationMs: Type.Number(),
  /**
   * Present when a mismatch quarantined the version: the code, the developer's text (logs), the file,
   * and `reason`, the refusal as a message (`refusals.bundle.<CODE>` with its params) that the UI shows.
   */
  refusal: nullable(obj({ code: enumOf(BUNDLE_REFUSAL_CODES), message: str, path: nullable(str), reason: messageSchema })),
  bundle: bundleVersionViewSchema,
});
export type VerifyResult = Static<typeof verifyResultSchema>;

/** What the app knows about an update: only ever from a verified app-update bundle. */
export const updateStatusSchema = obj({
  current: str,
  available: nullable(obj({ version: str, releaseNotes: nullable(str), bundleVersionId: int })),
  /** electron: can download and install; web: only shows that an update exists. */
  canInstall: Type.Boolean(),
  state: enumOf(['none', 'available', 'downloading', 'ready', 'error']),
  error: nullable(str),
});
export type UpdateStatus = Static<typeof updateStatusSchema>;
