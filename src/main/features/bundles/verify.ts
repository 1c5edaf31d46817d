// The verifier: a documented subset of The Update Framework's client workflow (docs/bundles.md),
// over RFC 8785 canonical JSON. Metadata is verified first (pure, synchronous: verifyMetadata),
// then the listing (no extra, missing, linked or special files), then every target is streamed,
// hashed and length-checked, optionally written to a staging directory as it is hashed, so the
// bytes installed are exactly the bytes verified.
import { createHash } from 'node:crypto';
import { closeSync, constants as fsc, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readSync, fstatSync, writeSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { compileSchema } from '../../../shared/validation';
import { ROLE_SCHEMAS } from '../../../shared/bundles/schemas';
import {
  MAX_ROOT_ROTATIONS,
  MAX_TARGET_BYTES,
  METADATA_CAPS,
  type BundleInfo,
  type BundleProgress,
  type Envelope,
  type RoleName,
  type RootMeta,
  type SnapshotMeta,
  type TargetFile,
  type TargetsMeta,
  type TimestampMeta,
} from '../../../shared/bundles/types';
import { refuse } from '../../../shared/bundles/errors';
import { verifyRoleSignatures } from './keys';
import type { BundleReader } from './source';
import { sha256Hex as sha256 } from '../../../platform/hash';

export type VersionedRole = 'targets' | 'snapshot' | 'timestamp';

export interface TrustInput {
  /** The trusted root: the pinned one, or the highest this device rotated to. */
  root: Envelope<RootMeta>;
  /** Highest versions this device has trusted for a bundle's roles (rollback protection). */
  roleVersions: Partial<Record<VersionedRole, number>> | ((bundle: string) => Partial<Record<VersionedRole, number>>);
  /** The device's highest-seen time (a clock rolled back does not help a frozen bundle). */
  referenceTime: Date;
}

export interface VerifiedMetadata {
  name: string;
  info: BundleInfo;
  /** The trusted root after walking rotations, and the new roots walked (bytes as verified). */
  root: Envelope<RootMeta>;
  newRoots: { version: number; bytes: Buffer }[];
  timestamp: Envelope<TimestampMeta>;
  snapshot: Envelope<SnapshotMeta>;
  targets: Envelope<TargetsMeta>;
  bytes: { timestamp: Buffer; snapshot: Buffer; targets: Buffer };
  versions: Record<VersionedRole, number>;
  signers: { keyid: string; role: RoleName }[];
  /** Earliest expiry among timestamp, snapshot and targets. */
  expires: string;
}

export interface VerifiedBundle extends VerifiedMetadata {
  files: number;
  bytesTotal: number;
  durationMs: number;
}

export { sha256 };

function parseRole<T>(role: RoleName, file: string, bytes: Buffer): Envelope<T> {
  let v: unknown;
  try {
    v = JSON.parse(bytes.toString('utf8'));
  } catch (e) {
    return refuse('BUNDLE_METADATA_INVALID', `${file}: not JSON (${(e as Error).message})`, { role, path: file });
  }
  const validate = compileSchema(ROLE_SCHEMAS[role] as Record<string, unknown>);
  if (!validate(v)) {
    const err = validate.errors?.[0];
    return refuse('BUNDLE_METADATA_INVALID', `${file}: ${err ? `${err.instancePath || '/'} ${err.message ?? 'invalid'}` : 'invalid'}`, { role, path: file });
  }
  return v as Envelope<T>;
}

/**
 * Check every target path is a plain relative POSIX path inside the bundle. Also refuses two paths
 * that differ only in case (one file on macOS/Windows volumes) and a path that is both a file and a
 * directory.
 */
export function checkTargetPaths(paths: string[]): void {
  const lower = new Set<string>();
  for (const p of paths) {
    const bad = (why: string) => refuse('BUNDLE_PATH_UNSAFE', `target path ${JSON.stringify(p)}: ${why}`, { role: 'targets', path: p });
    if (p.length === 0 || p.length > 1024) bad('empty or too long');
    if (p.startsWith('/') || /^[A-Za-z]:/.test(p)) bad('absolute');
    if (p.includes('\\')) bad('backslash');
    if (/[\u0000-\u001f\u007f]/.test(p)) bad('control character');
    for (const seg of p.split('/')) {
      if (seg === '') bad('empty segment');
      if (seg === '.' || seg === '..') bad(`"${seg}" segment`);
    }
    const l = p.toLowerCase();
    if (lower.has(l)) bad('differs from another target only in case');
    lower.add(l);
  }
  for (const p of paths) {
    const parts = p.toLowerCase().split('/');
    for (let i = 1; i < parts.length; i++) {
      if (lower.has(parts.slice(0, i).join('/')))
        refuse('BUNDLE_PATH_UNSAFE', `target path ${JSON.stringify(p)}: a parent is itself a target file`, { role: 'targets', path: p });
    }
  }
}

/** What each kind needs to be usable (checked before anything is installed). */
function checkKind(info: BundleInfo, targets: Record<string, TargetFile>): void {
  const need = (path: string, why: string) => {
    if (!targets[path]) refuse('BUNDLE_KIND_MISMATCH', `${info.kind} bundle ${info.name}: ${why} (${path}) is not a target`, { path });
  };
  if (info.kind === 'model') {
    if (!info.model) refuse('BUNDLE_KIND_MISMATCH', `model bundle ${info.name} has no model metadata`);
    need(info.model!.file, 'the weights file');
    if (info.model!.role === 'embedding' && info.model!.embeddingDimension === null)
      refuse('BUNDLE_KIND_MISMATCH', `embedding model ${info.name} does not state its dimension`);
  }
  if (info.kind === 'app-update') {
    if (!info.app) refuse('BUNDLE_KIND_MISMATCH', `app-update bundle ${info.name} has no app metadata`);
    need(info.app!.artifact, 'the installer');
    need(info.app!.channelFile, 'the channel file');
  }
  if (info.kind === 'policy') need('policy.yaml', 'the policy document');
  if (info.kind === 'policy-overlay') need('overlay.yaml', 'the policy overlay');
}

export type MetaGetter = (file: string, cap: number) => Buffer | null;

/** Root rotations from the trusted root: each new root signed by the old root's threshold and its own, version exactly N+1. */
function walkRootRotations(get: MetaGetter, trusted: Envelope<RootMeta>): { root: Envelope<RootMeta>; newRoots: { version: number; bytes: Buffer }[] } {
  let root = trusted;
  const newRoots: { version: number; bytes: Buffer }[] = [];
  for (let i = 0; i < MAX_ROOT_ROTATIONS; i++) {
    const next = root.signed.version + 1;
    const file = `${next}.root.json`;
    const bytes = get(file, METADATA_CAPS.root);
    if (!bytes) break;
    const env = parseRole<RootMeta>('root', file, bytes);
    verifyRoleSignatures(env, root.signed, 'root', `${file} (by trusted root v${root.signed.version})`);
    if (env.signed.version !== next)
      refuse('BUNDLE_ROOT_VERSION', `${file} says version ${env.signed.version}; a new root must be exactly version ${next}`, { role: 'root', path: file });
    verifyRoleSignatures(env, env.signed, 'root', `${file} (by its own keys)`);
    root = env;
    newRoots.push({ version: next, bytes });
  }
  return { root, newRoots };
}

/**
 * The metadata half of verification, pure and synchronous: walk root rotations (each new root
 * signed by the old root's threshold and its own, version exactly N+1), then timestamp → snapshot →
 * targets, each signed by its role's threshold, not below the versions this device trusts, not
 * expired at the reference time, and each pinned by the one before it (version, length, SHA-256).
 */
export function verifyMetadata(get: MetaGetter, trust: TrustInput): VerifiedMetadata {
  const { root, newRoots } = walkRootRotations(get, trust.root);
  const ref = trust.referenceTime.getTime();
  const notExpired = (role: RoleName, expires: string, file: string) => {
    if (Date.parse(expires) <= ref)
      refuse('BUNDLE_EXPIRED', `${file} expired ${expires} (device time ${trust.referenceTime.toISOString()})`, { role, path: file, expires });
  };
  let seenVersions: Partial<Record<VersionedRole, number>> = {};
  const notRolledBack = (role: VersionedRole, version: number, file: string) => {
    const seen = seenVersions[role];
    if (seen !== undefined && version < seen)
      refuse('BUNDLE_ROLLBACK', `${file} is version ${version}; this device has already trusted version ${seen}`, { role, path: file, version, seen });
  };
  notExpired('root', root.signed.expires, `root v${root.signed.version}`);

  const need = (file: string, cap: number): Buffer => {
    const b = get(file, cap);
    if (!b) return refuse('BUNDLE_MISSING_FILE', `metadata/${file} is missing`, { path: `metadata/${file}` });
    return b;
  };
  const pinned = (file: string, bytes: Buffer, info: { length: number; hashes: { sha256: string } }, role: RoleName, by: string) => {
    if (bytes.length !== info.length || sha256(bytes) !== info.hashes.sha256)
      refuse('BUNDLE_MIX_AND_MATCH', `${file} is not the one ${by} names (length ${bytes.length} vs ${info.length}, or its SHA-256 differs)`, {
        role,
        path: file,
      });
  };

  const tsBytes = need('timestamp.json', METADATA_CAPS.timestamp);
  const timestamp = parseRole<TimestampMeta>('timestamp', 'timestamp.json', tsBytes);
  verifyRoleSignatures(timestamp, root.signed, 'timestamp', 'timestamp.json');
  seenVersions = typeof trust.roleVersions === 'function' ? trust.roleVersions(timestamp.signed.bundle) : trust.roleVersions;
  notRolledBack('timestamp', timestamp.signed.version, 'timestamp.json');
  notExpired('timestamp', timestamp.signed.expires, 'timestamp.json');

  const snapInfo = timestamp.signed.meta['snapshot.json'];
  const snapBytes = need('snapshot.json', METADATA_CAPS.snapshot);
  pinned('snapshot.json', snapBytes, snapInfo, 'snapshot', 'timestamp.json');
  const snapshot = parseRole<SnapshotMeta>('snapshot', 'snapshot.json', snapBytes);
  verifyRoleSignatures(snapshot, root.signed, 'snapshot', 'snapshot.json');
  if (snapshot.signed.version !== snapInfo.version)
    refuse('BUNDLE_MIX_AND_MATCH', `snapshot.json is version ${snapshot.signed.version}; timestamp.json names ${snapInfo.version}`, { role: 'snapshot' });
  notRolledBack('snapshot', snapshot.signed.version, 'snapshot.json');
  notExpired('snapshot', snapshot.signed.expires, 'snapshot.json');

  const tInfo = snapshot.signed.meta['targets.json'];
  const tBytes = need('targets.json', METADATA_CAPS.targets);
  pinned('targets.json', tBytes, tInfo, 'targets', 'snapshot.json');
  const targets = parseRole<TargetsMeta>('targets', 'targets.json', tBytes);
  const signers = verifyRoleSignatures(targets, root.signed, 'targets', 'targets.json');
  if (targets.signed.version !== tInfo.version)
    refuse('BUNDLE_MIX_AND_MATCH', `targets.json is version ${targets.signed.version}; snapshot.json names ${tInfo.version}`, { role: 'targets' });
  notRolledBack('targets', targets.signed.version, 'targets.json');
  notExpired('targets', targets.signed.expires, 'targets.json');

  const info = targets.signed.custom.bundle;
  const names = new Set([timestamp.signed.bundle, snapshot.signed.bundle, targets.signed.bundle, info.name]);
  if (names.size !== 1) refuse('BUNDLE_MIX_AND_MATCH', `metadata of different bundles combined: ${[...names].join(', ')}`);
  const paths = Object.keys(targets.signed.targets);
  checkTargetPaths(paths);
  for (const p of paths) {
    if (targets.signed.targets[p]!.length > MAX_TARGET_BYTES)
      refuse('BUNDLE_TOO_LARGE', `target ${p} declares ${targets.signed.targets[p]!.length} bytes, over the ${MAX_TARGET_BYTES}-byte cap`, { path: p });
  }
  checkKind(info, targets.signed.targets);

  const expires = [timestamp.signed.expires, snapshot.signed.expires, targets.signed.expires].sort()[0]!;
  return {
    name: info.name,
    info,
    root,
    newRoots,
    timestamp,
    snapshot,
    targets,
    bytes: { timestamp: tsBytes, snapshot: snapBytes, targets: tBytes },
    versions: { timestamp: timestamp.signed.version, snapshot: snapshot.signed.version, targets: targets.signed.version },
    signers: signers.map((keyid) => ({ keyid, role: 'targets' as const })),
    expires,
  };
}

/** Read every metadata file the synchronous check may ask for, through an async reader. */
async function prefetchMeta(reader: BundleReader, trust: TrustInput): Promise<MetaGetter> {
  const got = new Map<string, Buffer | null>();
  for (let v = trust.root.signed.version + 1, i = 0; i < MAX_ROOT_ROTATIONS; v++, i++) {
    const b = await reader.readMeta(`${v}.root.json`, METADATA_CAPS.root);
    got.set(`${v}.root.json`, b);
    if (!b) break;
  }
  for (const [f, cap] of [
    ['timestamp.json', METADATA_CAPS.timestamp],
    ['snapshot.json', METADATA_CAPS.snapshot],
    ['targets.json', METADATA_CAPS.targets],
  ] as const)
    got.set(f, await reader.readMeta(f, cap));
  return (file) => got.get(file) ?? null;
}

/** The listing must be exactly the signed targets: nothing extra, nothing missing. */
export function checkListing(listed: string[] | null, targets: Record<string, TargetFile>): void {
  if (!listed) return;
  const want = new Set(Object.keys(targets));
  const have = new Set(listed);
  for (const p of listed) if (!want.has(p)) refuse('BUNDLE_EXTRA_FILE', `targets/${p} is not listed in the signed targets metadata`, { path: p });
  for (const p of want) if (!have.has(p)) refuse('BUNDLE_MISSING_FILE', `targets/${p} is listed in the signed targets metadata but absent`, { path: p });
}

export interface StreamOptions {
  /** Write verified bytes under <sinkDir>/targets/ (staging); null: hash only. */
  sinkDir?: string | null;
  onProgress?: (p: BundleProgress) => void;
  opId?: string;
  now?: () => number;
}

const PROGRESS_EVERY_MS = 100;

/** Stream, hash and length-check every target; the caller's sink gets only bytes within the signed length. */
async function streamTargets(reader: BundleReader, meta: VerifiedMetadata, o: StreamOptions): Promise<{ files: number; bytes: number }> {
  const now = o.now ?? (() => performance.now());
  const entries = Object.entries(meta.targets.signed.targets).sort(([a], [b]) => (a < b ? -1 : 1));
  const total = entries.reduce((n, [, t]) => n + t.length, 0);
  const opId = o.opId ?? 'verify';
  const started = now();
  let done = 0;
  let lastEmit = 0;
  const emit = (phase: BundleProgress['phase'], file: string | null, force = false) => {
    if (!o.onProgress) return;
    const t = now();
    if (!force && t - lastEmit < PROGRESS_EVERY_MS) return;
    lastEmit = t;
    const elapsed = (t - started) / 1000;
    const eta = done > 0 && elapsed > 0.05 ? Math.max(0, ((total - done) * elapsed) / done) : null;
    o.onProgress({ opId, phase, file, bytesDone: done, bytesTotal: total, etaSeconds: eta === null ? null : Math.round(eta * 10) / 10 });
  };
  emit('files', null, true);
  for (const [path, t] of entries) {
    const hash = createHash('sha256');
    let fd: number | null = null;
    if (o.sinkDir) {
      const out = join(o.sinkDir, 'targets', path);
      mkdirSync(dirname(out), { recursive: true });
      fd = openSync(out, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
    }
    let n = 0;
    const stream = await reader.openTarget(path, t.length);
    try {
      for await (const chunk of stream) {
        const c = chunk as Buffer;
        n += c.length;
        if (n > t.length) refuse('BUNDLE_TOO_LARGE', `targets/${path} is longer than its signed length ${t.length} (endless data)`, { path });
        hash.update(c);
        if (fd !== null) writeSync(fd, c);
        done += c.length;
        emit('files', path);
      }
    } finally {
      stream.close?.();
      if (fd !== null) {
        if (o.sinkDir) fsyncSync(fd);
        closeSync(fd);
      }
    }
    if (n < t.length) refuse('BUNDLE_LENGTH_MISMATCH', `targets/${path} has ${n} bytes; the signed length is ${t.length}`, { path });
    if (hash.digest('hex') !== t.hashes.sha256) refuse('BUNDLE_HASH_MISMATCH', `targets/${path} does not match its signed SHA-256`, { path });
  }
  emit('files', null, true);
  return { files: entries.length, bytes: total };
}

/** Full verification of a bundle from any source; with `sinkDir`, the verified bytes land there. */
export async function verifyBundle(reader: BundleReader, trust: TrustInput, o: StreamOptions = {}): Promise<VerifiedBundle> {
  const started = performance.now();
  o.onProgress?.({ opId: o.opId ?? 'verify', phase: 'metadata', file: null, bytesDone: 0, bytesTotal: 0, etaSeconds: null });
  const meta = verifyMetadata(await prefetchMeta(reader, trust), trust);
  checkListing(await reader.listTargets(), meta.targets.signed.targets);
  const { files, bytes } = await streamTargets(reader, meta, o);
  return { ...meta, files, bytesTotal: bytes, durationMs: performance.now() - started };
}

// ---- a directory (USB stick, share, resources/bundles) ----

const META_FILE = /^(\d{1,9}\.root|timestamp|snapshot|targets)\.json$/;

function lstatOrNull(path: string) {
  try {
    return lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

function checkDir(path: string, what: string): boolean {
  const st = lstatOrNull(path);
  if (!st) return false;
  if (st.isSymbolicLink()) refuse('BUNDLE_LINK', `${what} is a symbolic link`, { path: what });
  if (!st.isDirectory()) refuse('BUNDLE_PATH_UNSAFE', `${what} is not a directory`, { path: what });
  return true;
}

/** Read at most cap bytes of a regular, singly linked file that is not a link; longer → BUNDLE_TOO_LARGE. */
export function readCapped(path: string, cap: number, label: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: a FIFO planted in a bundle opens at once (and is refused below) instead of waiting for a writer.
    fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOOP') return refuse('BUNDLE_LINK', `${label} is a symbolic link`, { path: label });
    throw e;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) refuse('BUNDLE_PATH_UNSAFE', `${label} is not a regular file`, { path: label });
    if (st.nlink > 1) refuse('BUNDLE_LINK', `${label} is hard-linked (${st.nlink} links)`, { path: label });
    // Read until end of file or one byte past the cap, whatever stat said (a file may grow while read).
    const chunks: Buffer[] = [];
    let n = 0;
    for (;;) {
      const b = Buffer.allocUnsafe(Math.min(64 * 1024, cap + 1 - n));
      const r = readSync(fd, b, 0, b.length, null);
      if (r === 0) break;
      chunks.push(b.subarray(0, r));
      n += r;
      if (n > cap) refuse('BUNDLE_TOO_LARGE', `${label} is over its ${cap}-byte cap (endless data)`, { path: label });
    }
    return Buffer.concat(chunks, n);
  } finally {
    closeSync(fd);
  }
}

function walk(root: string, prefix: string, out: string[]): void {
  for (const e of readdirSync(join(root, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    const st = lstatSync(join(root, rel));
    if (st.isSymbolicLink()) refuse('BUNDLE_LINK', `targets/${rel} is a symbolic link`, { path: rel });
    if (st.isDirectory()) walk(root, rel, out);
    else if (st.isFile()) {
      if (st.nlink > 1) refuse('BUNDLE_LINK', `targets/${rel} is hard-linked (${st.nlink} links)`, { path: rel });
      out.push(rel);
    } else refuse('BUNDLE_PATH_UNSAFE', `targets/${rel} is not a regular file`, { path: rel });
  }
}

/** Every file under <dir>/targets; refuses links and special files on the way. */
export function listTargetsSync(dir: string): string[] {
  const out: string[] = [];
  if (checkDir(join(dir, 'targets'), 'targets/')) walk(join(dir, 'targets'), '', out);
  return out.sort();
}

export function dirMetaGetter(dir: string): MetaGetter {
  const hasMeta = checkDir(join(dir, 'metadata'), 'metadata/');
  return (file, cap) => {
    if (!META_FILE.test(file)) throw new Error(`not a metadata file name: ${file}`);
    if (!hasMeta) return null;
    const path = join(dir, 'metadata', file);
    const st = lstatOrNull(path);
    if (!st) return null;
    if (st.isSymbolicLink()) refuse('BUNDLE_LINK', `metadata/${file} is a symbolic link`, { path: `metadata/${file}` });
    if (st.size > cap)
      refuse('BUNDLE_TOO_LARGE', `metadata/${file} is ${st.size} bytes, over its ${cap}-byte cap (endless data)`, { path: `metadata/${file}` });
    return readCapped(path, cap, `metadata/${file}`);
  };
}

const CHUNK = 1024 * 1024;

export function dirReader(dir: string): BundleReader {
  let meta: MetaGetter | null = null;
  return {
    label: dir,
    readMeta(file, cap) {
      meta ??= dirMetaGetter(dir);
      return Promise.resolve(meta(file, cap));
    },
    async openTarget(path) {
      const full = join(dir, 'targets', path);
      let fh;
      try {
        fh = await open(full, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ELOOP') return refuse('BUNDLE_LINK', `targets/${path} is a symbolic link`, { path });
        if (code === 'ENOENT' || code === 'ENOTDIR') return refuse('BUNDLE_MISSING_FILE', `targets/${path} is absent`, { path });
        throw e;
      }
      const st = await fh.stat();
      if (!st.isFile()) {
        await fh.close();
        return refuse('BUNDLE_PATH_UNSAFE', `targets/${path} is not a regular file`, { path });
      }
      if (st.nlink > 1) {
        await fh.close();
        return refuse('BUNDLE_LINK', `targets/${path} is hard-linked (${st.nlink} links)`, { path });
      }
      const stream = fh.createReadStream({ highWaterMark: CHUNK });
      return Object.assign(stream, { close: () => stream.destroy() });
    },
    listTargets() {
      return Promise.resolve(listTargetsSync(dir));
    },
  };
}

/**
 * Synchronous full verification of a small bundle in a directory (the app's built-in bundles, at
 * start, before the policy loads). Each file is read whole, so it is for bundles of small files only.
 */
export function verifyDirSync(dir: string, trust: TrustInput, sinkDir: string | null = null): VerifiedBundle {
  const started = performance.now();
  const meta = verifyMetadata(dirMetaGetter(dir), trust);
  const targets = meta.targets.signed.targets;
  checkListing(listTargetsSync(dir), targets);
  let bytes = 0;
  for (const [path, t] of Object.entries(targets).sort(([a], [b]) => (a < b ? -1 : 1))) {
    const buf = readCapped(join(dir, 'targets', path), t.length, `targets/${path}`);
    if (buf.length < t.length) refuse('BUNDLE_LENGTH_MISMATCH', `targets/${path} has ${buf.length} bytes; the signed length is ${t.length}`, { path });
    if (sha256(buf) !== t.hashes.sha256) refuse('BUNDLE_HASH_MISMATCH', `targets/${path} does not match its signed SHA-256`, { path });
    if (sinkDir) {
      const out = join(sinkDir, 'targets', path);
      mkdirSync(dirname(out), { recursive: true });
      const fd = openSync(out, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
      try {
        writeSync(fd, buf);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
    bytes += buf.length;
  }
  return { ...meta, files: Object.keys(targets).length, bytesTotal: bytes, durationMs: performance.now() - started };
}
