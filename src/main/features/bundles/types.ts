// The bundle service's surface, for its consumers (policy, workflows, contracts, models, updates,
// the API handlers): plain types only, so other features may import this file. Implementation: store.ts.
import type { BundleInfo, BundleKind, InstallResult, ModelInfo, SealedStateReport, VerifyResult } from '../../../shared/bundles/types';
import type { BundleReader } from './source';

export type { BundleReader } from './source';

/** An active, verified model bundle (bundles/models.ts verifiedModels). */
export interface VerifiedModel {
  bundle: string;
  version: string;
  info: ModelInfo;
  /** Absolute path of the weights file, checked (size, mtime, inode) just now. */
  weightsPath: string;
  /** SHA-256 of the weights (the model's identity in decision cards). */
  weightsSha256: string;
  /** Every other target (tokenizer, config), by target path. */
  files: Record<string, string>;
}

/** The active, verified version of one bundle, as consumers read it. */
export interface ActiveBundle {
  /** bundle_installs.id */
  id: number;
  info: BundleInfo;
  /** Directory holding targets/ and metadata/ of this version. */
  dir: string;
  /** Every target path, sorted. */
  files(): string[];
  /**
   * The bytes of one target, re-hashed in memory against the signed SHA-256 before they are
   * returned: nothing is parsed before it has verified. A mismatch quarantines the version and
   * throws a BundleError (BUNDLE_TAMPERED).
   */
  read(path: string): Buffer;
  /**
   * Absolute path of a (large) target after the fast check (size, mtime, inode against the
   * verified record), for loaders that take a path (model weights). A mismatch quarantines.
   */
  pathOf(path: string): string;
  sha256(path: string): string;
}

/** A verified bundle in staging, before it is installed: what an admission check reads. */
export interface CandidateBundle {
  info: BundleInfo;
  /** Every target path. */
  files(): string[];
  /** The verified bytes of one target (from staging). */
  read(path: string): Buffer;
}

/**
 * A content check run after verification and before anything is installed (the contract
 * compatibility check): throws a BundleError to refuse, and the install changes nothing.
 * `active` is the active version of the same bundle name, if any.
 */
export type AdmitCheck = (candidate: CandidateBundle, active: ActiveBundle | null) => void;

export type BundleChange = { name: string; change: 'installed' | 'activated' | 'quarantined' | 'verified' };

export interface BundleService {
  report(): SealedStateReport;
  /** Verify against the trusted root and install atomically; emits bundles.progress. */
  install(reader: BundleReader, opts?: { opId?: string; actor?: string }): Promise<InstallResult>;
  /** Full re-hash of one installed version, or of all; mismatches quarantine and fall back. */
  verifyInstalled(id?: number, opts?: { opId?: string }): Promise<VerifyResult[]>;
  /** Make an earlier installed version active again (it is re-hashed first). */
  activate(id: number, reason: string, actor: string): Promise<InstallResult>;
  /** The fast check (size, mtime, inode) of every active bundle; mismatches quarantine. */
  startupCheck(): { files: number; durationMs: number; mismatches: number };
  active(name: string): ActiveBundle | null;
  activeOfKind(kind: BundleKind): ActiveBundle[];
  /** The active, verified model bundles, optionally of one role (bundles/models.ts verifiedModels). */
  verifiedModels(role?: ModelInfo['role']): VerifiedModel[];
  /** Consumers reload when the active version of a bundle changes. */
  subscribe(listener: (c: BundleChange) => void): () => void;
  /** The installed version of each bundle name (for the server listing). */
  installedVersions(): Record<string, string>;
  /** Background re-hash timer (startBackground) and its stop. */
  startSchedule(): void;
  stop(): void;
}
