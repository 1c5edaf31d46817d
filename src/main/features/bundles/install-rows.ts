// Rows of the installed-bundle tables, as the store reads them, and the write of one install.
import type { Db } from '../../platform/db/connection';
import type { AuditService } from '../../platform/audit/index';
import type { BundleKind, Envelope, RootMeta } from '../../../shared/bundles/types';
import { sha256, type VerifiedBundle } from './verify';

export interface InstallRow {
  id: number;
  name: string;
  kind: BundleKind;
  version: string;
  targets_version: number;
  snapshot_version: number;
  timestamp_version: number;
  targets_sha256: string;
  timestamp_sha256: string;
  dir: string;
  info: string;
  signers: string;
  expires: string;
  files: number;
  bytes: number;
  source: string;
  installed_at: string;
  verified_at: string;
  quarantined_at: string | null;
  quarantine_reason: string | null;
  quarantine_path: string | null;
}

/** Active versions that are not quarantined, oldest install first. */
export function activeInstalls(db: Db): InstallRow[] {
  return db
    .prepare('SELECT i.* FROM bundle_active a JOIN bundle_installs i ON i.id = a.install_id WHERE i.quarantined_at IS NULL ORDER BY i.id')
    .all() as InstallRow[];
}

export interface FileRow {
  path: string;
  length: number;
  sha256: string;
  mtime_ms: number;
  ino: string;
}

export interface InstallRecord {
  v: VerifiedBundle;
  /** The trusted root before this install (a rotation in it may reset role versions). */
  prevRoot: Envelope<RootMeta> | null;
  /** Directory of the version, relative to the store's root. */
  rel: string;
  source: string;
  actor: string;
  now: string;
  tsSha: string;
  files: FileRow[];
}

/** Record a verified, renamed install in one transaction (roots, role versions, the version, its files, active, audit). Its id. */
export function recordInstall(db: Db, audit: AuditService, r: InstallRecord): number {
  const { v, prevRoot, rel, source, actor, now, tsSha, files } = r;
  return db.transaction(() => {
    for (const r of v.newRoots)
      db.prepare('INSERT OR IGNORE INTO bundle_roots (version, body, installed_at) VALUES (?, ?, ?)').run(r.version, r.bytes.toString('utf8'), now);
    if (prevRoot && v.newRoots.length) {
      // TUF: when a rotation replaces the timestamp or snapshot keys, forget their versions (recovery from a fast-forward attack).
      for (const role of ['timestamp', 'snapshot'] as const) {
        if (JSON.stringify([...prevRoot.signed.roles[role].keyids].sort()) !== JSON.stringify([...v.root.signed.roles[role].keyids].sort()))
          db.prepare('DELETE FROM bundle_role_versions WHERE role = ?').run(role);
      }
    }
    for (const role of ['targets', 'snapshot', 'timestamp'] as const)
      db.prepare(
        'INSERT INTO bundle_role_versions (bundle, role, version) VALUES (?, ?, ?) ON CONFLICT(bundle, role) DO UPDATE SET version = MAX(version, excluded.version)',
      ).run(v.name, role, v.versions[role]);
    const newId_ = Number(
      db
        .prepare(
          `INSERT INTO bundle_installs (name, kind, version, targets_version, snapshot_version, timestamp_version, targets_sha256, timestamp_sha256, dir, info, signers, expires, files, bytes, source, installed_at, verified_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          v.name,
          v.info.kind,
          v.info.version,
          v.versions.targets,
          v.versions.snapshot,
          v.versions.timestamp,
          sha256(v.bytes.targets),
          tsSha,
          rel,
          JSON.stringify(v.info),
          JSON.stringify(v.signers),
          v.expires,
          v.files,
          v.bytesTotal,
          source,
          now,
          now,
        ).lastInsertRowid,
    );
    const ins = db.prepare('INSERT INTO bundle_files (install_id, path, length, sha256, mtime_ms, ino) VALUES (?, ?, ?, ?, ?, ?)');
    for (const f of files) ins.run(newId_, f.path, f.length, f.sha256, f.mtime_ms, f.ino);
    db.prepare('INSERT INTO bundle_active (name, install_id) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET install_id = excluded.install_id').run(
      v.name,
      newId_,
    );
    audit.append({
      actor,
      action: 'bundle.installed',
      subject: v.name,
      payload: {
        version: v.info.version,
        kind: v.info.kind,
        targetsVersion: v.versions.targets,
        targetsSha256: sha256(v.bytes.targets),
        signers: v.signers.map((s) => s.keyid),
        source,
        rootVersion: v.root.signed.version,
      },
    });
    return newId_;
  })();
}
