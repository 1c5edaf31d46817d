// Sealed bundles: the signed-metadata format (a documented subset of The Update Framework, signed
// over RFC 8785 canonical JSON), the attack codes a verifier refuses with, and the views the API
// returns. Plain data: shared by the main process, the sync server, the CLI and the renderer.

export const ROLES = ['root', 'targets', 'snapshot', 'timestamp'] as const;
export type RoleName = (typeof ROLES)[number];

export const BUNDLE_KINDS = ['policy', 'workflows', 'contracts', 'prompts', 'model', 'app-update'] as const;
export type BundleKind = (typeof BUNDLE_KINDS)[number];

/** An Ed25519 public key as TUF writes it: raw 32 bytes, hex. Its keyid is SHA-256 of its canonical JSON. */
export interface PublicKey {
  keytype: 'ed25519';
  scheme: 'ed25519';
  keyval: { public: string };
}

export interface RoleKeys {
  keyids: string[];
  threshold: number;
}

export interface Signature {
  keyid: string;
  /** Ed25519 signature over the canonical JSON of `signed`, hex. */
  sig: string;
}

export interface Envelope<T> {
  signed: T;
  signatures: Signature[];
}

interface RoleCommon {
  spec_version: string;
  version: number;
  /** ISO 8601 UTC. */
  expires: string;
}

export interface RootMeta extends RoleCommon {
  _type: 'root';
  consistent_snapshot: false;
  keys: Record<string, PublicKey>;
  roles: Record<RoleName, RoleKeys>;
}

export interface MetaFileInfo {
  version: number;
  length: number;
  hashes: { sha256: string };
}

/** Timestamp, snapshot and targets name the bundle they belong to, so their version counters are per bundle. */
export interface TimestampMeta extends RoleCommon {
  _type: 'timestamp';
  bundle: string;
  meta: { 'snapshot.json': MetaFileInfo };
}

export interface SnapshotMeta extends RoleCommon {
  _type: 'snapshot';
  bundle: string;
  meta: { 'targets.json': MetaFileInfo };
}

export interface TargetFile {
  length: number;
  hashes: { sha256: string };
}

/** What a model bundle says about its weights (GGUF for text, ONNX for embeddings). */
export interface ModelInfo {
  role: 'text' | 'embedding';
  format: 'gguf' | 'onnx';
  /** Target path of the weights file; tokenizer and other files are further targets. */
  file: string;
  family: string;
  quantization: string;
  contextLength: number;
  /** Embedding models only. */
  embeddingDimension: number | null;
  licence: string;
}

/** An app-update bundle lists the installer and electron-updater's latest*.yml as targets. */
export interface AppUpdateInfo {
  appVersion: string;
  /** Target path of the installer artifact. */
  artifact: string;
  /** Target path of electron-updater's channel file (latest.yml, latest-linux.yml, ...). */
  channelFile: string;
  releaseNotes: string | null;
}

export interface BundleInfo {
  /** e.g. maestro.policy, maestro.workflows, model.tiny-text, app-update */
  name: string;
  kind: BundleKind;
  /** Semantic version of the content (the metadata versions count signings). */
  version: string;
  description: string | null;
  model?: ModelInfo;
  app?: AppUpdateInfo;
}

export interface TargetsMeta extends RoleCommon {
  _type: 'targets';
  bundle: string;
  targets: Record<string, TargetFile>;
  custom: { bundle: BundleInfo };
}

export type RoleMeta = RootMeta | TargetsMeta | SnapshotMeta | TimestampMeta;

export const SPEC_VERSION = '1.0.31';

/**
 * Every attack the verifier refuses, each with its own code (docs/bundles.md lists them with the
 * check that catches each). A refusal installs and loads nothing.
 */
export const BUNDLE_REFUSALS = {
  BUNDLE_HASH_MISMATCH: 'A file’s SHA-256 differs from the signed targets metadata (arbitrary file).',
  BUNDLE_LENGTH_MISMATCH: 'A file is shorter than the signed targets metadata says (arbitrary file).',
  BUNDLE_TOO_LARGE: 'A file or metadata document is longer than its cap or its signed length (endless data).',
  BUNDLE_ROLLBACK: 'A role’s version is lower than the highest this device has trusted (rollback).',
  BUNDLE_EXPIRED: 'Metadata expired, judged by the device’s highest-seen time (freeze).',
  BUNDLE_MIX_AND_MATCH: 'Metadata or files from different bundle versions or bundles were combined (mix-and-match).',
  BUNDLE_THRESHOLD: 'Fewer valid signatures from the role’s keys than its threshold.',
  BUNDLE_UNKNOWN_KEY: 'Signed by a key the trusted root does not name.',
  BUNDLE_WRONG_ROLE_KEY: 'Signed by a key the root names for a different role.',
  BUNDLE_ROOT_VERSION: 'A new root is not exactly one version above the trusted root.',
  BUNDLE_PATH_UNSAFE: 'A target path escapes the bundle (.., absolute, backslash, empty segment) or names a special file.',
  BUNDLE_LINK: 'A symbolic link or a hard-linked file in the bundle.',
  BUNDLE_EXTRA_FILE: 'A file in the bundle that the signed targets metadata does not list.',
  BUNDLE_MISSING_FILE: 'A file the signed targets metadata lists is absent.',
  BUNDLE_METADATA_INVALID: 'Metadata is not JSON or does not match the schema of its role.',
  BUNDLE_KIND_MISMATCH: 'The bundle is not of the kind the caller asked for, or its content is not usable for its kind.',
  BUNDLE_TAMPERED: 'An installed file changed after it was verified (quarantined).',
} as const;
export type BundleRefusal = keyof typeof BUNDLE_REFUSALS;
export const BUNDLE_REFUSAL_CODES = Object.keys(BUNDLE_REFUSALS) as BundleRefusal[];

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

export const BUNDLE_STATES = ['verified', 'stale', 'expired', 'quarantined'] as const;
export type BundleState = (typeof BUNDLE_STATES)[number];

/** One installed version of a bundle, as the sealed-state report shows it. */
export interface BundleVersionView {
  id: number;
  name: string;
  kind: BundleKind;
  version: string;
  description: string | null;
  /** targets metadata version (counts signings of this bundle). */
  targetsVersion: number;
  state: BundleState;
  active: boolean;
  /** Earliest expiry of its timestamp, snapshot and targets metadata. */
  expires: string;
  /** keyids (and labels where the root names them) whose signatures over targets verified. */
  signers: { keyid: string; role: RoleName }[];
  files: number;
  bytes: number;
  installedAt: string;
  source: string;
  /** Last time every file was re-hashed against the signed metadata. */
  verifiedAt: string;
  quarantine: { at: string; reason: string; path: string | null } | null;
  model: ModelInfo | null;
  app: AppUpdateInfo | null;
}

export interface SealedStateReport {
  /** Version and keyids of the trusted root (pinned or rotated to). */
  root: { version: number; expires: string; thresholds: Record<RoleName, number>; keyCount: number };
  bundles: BundleVersionView[];
  /** The device's highest-seen time, used for expiry. */
  referenceTime: string;
  /** How often installed bundles are fully re-hashed. */
  reverifyEveryHours: number;
  lastStartupCheck: { at: string; files: number; durationMs: number; mismatches: number } | null;
}

export interface BundleProgress {
  /** One id per install or verification (the renderer follows it). */
  opId: string;
  phase: 'metadata' | 'files' | 'commit' | 'done';
  file: string | null;
  bytesDone: number;
  bytesTotal: number;
  /** Seconds left at the current rate; null until it can be estimated. */
  etaSeconds: number | null;
}

export interface InstallResult {
  bundle: BundleVersionView;
  /** Whether this install changed the active version (a re-install of the active version does not). */
  activated: boolean;
  rootRotatedTo: number | null;
  durationMs: number;
}

export interface VerifyResult {
  ok: boolean;
  checkedFiles: number;
  bytes: number;
  durationMs: number;
  /** Present when a mismatch quarantined the version. */
  refusal: { code: BundleRefusal; message: string; path: string | null } | null;
  bundle: BundleVersionView;
}

/** What the app knows about an update: only ever from a verified app-update bundle. */
export interface UpdateStatus {
  current: string;
  available: { version: string; releaseNotes: string | null; bundleVersionId: number } | null;
  /** electron: can download and install; web: only shows that an update exists. */
  canInstall: boolean;
  state: 'none' | 'available' | 'downloading' | 'ready' | 'error';
  error: string | null;
}
