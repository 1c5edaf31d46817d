// Making bundles: the repository side of the format (the `npm run bundle` CLI, the built-in
// resource bundles, tests and the bench all use these). Signing happens here; verifying in verify.ts.
import { createHash } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, openSync, readdirSync, readSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { canonicalJson } from '../../../shared/canonical';
import {
  SPEC_VERSION,
  type BundleInfo,
  type Envelope,
  type RoleName,
  type RootMeta,
  type SnapshotMeta,
  type TargetFile,
  type TargetsMeta,
  type TimestampMeta,
} from '../../../shared/bundles/types';
import { signEnvelope, type SigningKey } from './keys';

export const DAY_MS = 86_400_000;
/** Default expiry windows, long enough for weeks offline (docs/bundles.md). */
export const DEFAULT_EXPIRY_DAYS: Record<RoleName, number> = { root: 365, targets: 180, snapshot: 90, timestamp: 90 };

export const isoIn = (from: Date, days: number): string => new Date(from.getTime() + days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** Metadata files are written as canonical JSON so their hash is the hash of what was signed over. */
export const metaBytes = (env: Envelope<unknown>): Buffer => Buffer.from(canonicalJson(env), 'utf8');

export function newRoot(opts: { version?: number; expires: string; keys: Record<RoleName, SigningKey[]>; thresholds: Record<RoleName, number> }): RootMeta {
  const keys: RootMeta['keys'] = {};
  const roles = {} as RootMeta['roles'];
  for (const role of ['root', 'targets', 'snapshot', 'timestamp'] as RoleName[]) {
    for (const k of opts.keys[role]) keys[k.keyid] = k.publicKey;
    roles[role] = { keyids: opts.keys[role].map((k) => k.keyid), threshold: opts.thresholds[role] };
  }
  return { _type: 'root', spec_version: SPEC_VERSION, version: opts.version ?? 1, expires: opts.expires, consistent_snapshot: false, keys, roles };
}

const HASH_CHUNK = 4 * 1024 * 1024;

/** SHA-256 of a file, read in 4 MiB chunks (a model's weights never sit in memory whole). */
export function sha256File(path: string): string {
  const hash = createHash('sha256');
  const buf = Buffer.allocUnsafe(HASH_CHUNK);
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      hash.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return hash.digest('hex');
}

/** Every regular file under `dir`, as sorted relative POSIX paths. */
export function listFiles(dir: string, prefix = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...listFiles(dir, rel));
    else if (e.isFile()) out.push(rel);
  }
  return out.sort();
}

export function targetsOf(dir: string, files = listFiles(dir)): Record<string, TargetFile> {
  const t: Record<string, TargetFile> = {};
  for (const f of files) t[f] = { length: statSync(join(dir, f)).size, hashes: { sha256: sha256File(join(dir, f)) } };
  return t;
}

export interface BuildOptions {
  /** Directory whose files become the targets (copied to <out>/targets). */
  contentDir: string;
  out: string;
  info: BundleInfo;
  /** Signing keys per role (as many as each role's threshold, or fewer to test refusals). */
  keys: { targets: SigningKey[]; snapshot: SigningKey[]; timestamp: SigningKey[] };
  /** Root chain to include (1.root.json …); signed envelopes. */
  roots: Envelope<RootMeta>[];
  now?: Date;
  versions?: { targets?: number; snapshot?: number; timestamp?: number };
  expiresDays?: Partial<Record<RoleName, number>>;
}

export interface BuiltBundle {
  targets: Envelope<TargetsMeta>;
  snapshot: Envelope<SnapshotMeta>;
  timestamp: Envelope<TimestampMeta>;
}

/** Write a complete, signed bundle: metadata/ (root chain, targets, snapshot, timestamp) and targets/. */
export function buildBundle(o: BuildOptions): BuiltBundle {
  const now = o.now ?? new Date();
  const exp = { ...DEFAULT_EXPIRY_DAYS, ...o.expiresDays };
  const files = listFiles(o.contentDir);
  mkdirSync(join(o.out, 'metadata'), { recursive: true });
  mkdirSync(join(o.out, 'targets'), { recursive: true });
  for (const f of files) {
    mkdirSync(dirname(join(o.out, 'targets', f)), { recursive: true });
    copyFileSync(join(o.contentDir, f), join(o.out, 'targets', f));
  }
  const targets = signEnvelope<TargetsMeta>(
    {
      _type: 'targets',
      spec_version: SPEC_VERSION,
      version: o.versions?.targets ?? 1,
      expires: isoIn(now, exp.targets),
      bundle: o.info.name,
      targets: targetsOf(o.contentDir, files),
      custom: { bundle: o.info },
    },
    o.keys.targets,
  );
  const tb = metaBytes(targets);
  const snapshot = signEnvelope<SnapshotMeta>(
    {
      _type: 'snapshot',
      spec_version: SPEC_VERSION,
      version: o.versions?.snapshot ?? 1,
      expires: isoIn(now, exp.snapshot),
      bundle: o.info.name,
      meta: { 'targets.json': { version: targets.signed.version, length: tb.length, hashes: { sha256: createHash('sha256').update(tb).digest('hex') } } },
    },
    o.keys.snapshot,
  );
  const sb = metaBytes(snapshot);
  const timestamp = signEnvelope<TimestampMeta>(
    {
      _type: 'timestamp',
      spec_version: SPEC_VERSION,
      version: o.versions?.timestamp ?? 1,
      expires: isoIn(now, exp.timestamp),
      bundle: o.info.name,
      meta: { 'snapshot.json': { version: snapshot.signed.version, length: sb.length, hashes: { sha256: createHash('sha256').update(sb).digest('hex') } } },
    },
    o.keys.timestamp,
  );
  for (const r of o.roots) writeFileSync(join(o.out, 'metadata', `${r.signed.version}.root.json`), metaBytes(r));
  writeFileSync(join(o.out, 'metadata', 'targets.json'), tb);
  writeFileSync(join(o.out, 'metadata', 'snapshot.json'), sb);
  writeFileSync(join(o.out, 'metadata', 'timestamp.json'), metaBytes(timestamp));
  return { targets, snapshot, timestamp };
}
