// Where bundle bytes come from. The verifier reads through this interface only, so a directory
// (a USB stick, a share) and the sync server (HTTP) are verified by the same code.
//
// Layout of a bundle, on disk and under GET /v1/bundles/<name>/:
//   metadata/1.root.json … N.root.json   (the root chain, optional: the device walks from the root it trusts)
//   metadata/timestamp.json  metadata/snapshot.json  metadata/targets.json
//   targets/<path>                       (every file the targets metadata lists, nothing else)

export interface BundleReader {
  /** Shown in messages and in the sealed-state report (a path, or server:<name>). */
  readonly label: string;
  /**
   * One metadata file (e.g. `timestamp.json`, `3.root.json`), or null when absent. Never returns
   * more than `cap` bytes: a longer file is refused with BUNDLE_TOO_LARGE. A link or a special file
   * is refused (BUNDLE_LINK / BUNDLE_PATH_UNSAFE).
   */
  readMeta(file: string, cap: number): Promise<Buffer | null>;
  /**
   * The bytes of one target (a path already checked by safeTargetPath), as chunks. Must refuse
   * links (BUNDLE_LINK) and throw BUNDLE_MISSING_FILE when absent. The caller stops reading after
   * `expectedLength + 1` bytes (endless data) and closes the stream.
   */
  openTarget(path: string, expectedLength: number): Promise<AsyncIterable<Buffer> & { close?(): void }>;
  /**
   * Every file under targets/ (relative POSIX paths), for the extra-file check; null where the
   * source cannot list (HTTP: the server only serves listed files, so nothing extra can arrive).
   */
  listTargets(): Promise<string[] | null>;
}
