import type { Migration } from '../../../../platform/migrations';

export const m007Bundles: Migration = {
  version: 7,
  name: 'sealed bundles: trusted roots, per-bundle role versions (rollback), installs, verified file records, active version',
  sql: `
      -- Roots this device rotated to (the pinned root ships in resources/trust and is not stored).
      CREATE TABLE bundle_roots (
        version      INTEGER PRIMARY KEY,
        body         TEXT NOT NULL,
        installed_at TEXT NOT NULL
      ) STRICT;
      -- Highest metadata version trusted per bundle and role: anything lower is a rollback.
      CREATE TABLE bundle_role_versions (
        bundle  TEXT NOT NULL,
        role    TEXT NOT NULL CHECK (role IN ('targets','snapshot','timestamp')),
        version INTEGER NOT NULL,
        PRIMARY KEY (bundle, role)
      ) STRICT;
      CREATE TABLE bundle_installs (
        id                INTEGER PRIMARY KEY,
        name              TEXT NOT NULL,
        kind              TEXT NOT NULL,
        version           TEXT NOT NULL,
        targets_version   INTEGER NOT NULL,
        snapshot_version  INTEGER NOT NULL,
        timestamp_version INTEGER NOT NULL,
        targets_sha256    TEXT NOT NULL,
        timestamp_sha256  TEXT NOT NULL,
        dir               TEXT NOT NULL UNIQUE,
        info              TEXT NOT NULL,
        signers           TEXT NOT NULL,
        expires           TEXT NOT NULL,
        files             INTEGER NOT NULL,
        bytes             INTEGER NOT NULL,
        source            TEXT NOT NULL,
        installed_at      TEXT NOT NULL,
        verified_at       TEXT NOT NULL,
        quarantined_at    TEXT,
        quarantine_reason TEXT,
        quarantine_path   TEXT
      ) STRICT;
      CREATE INDEX bundle_installs_name ON bundle_installs(name, id);
      -- What was verified, per file: the hash and the stat the fast check compares against.
      CREATE TABLE bundle_files (
        install_id INTEGER NOT NULL REFERENCES bundle_installs(id) ON DELETE CASCADE,
        path       TEXT NOT NULL,
        length     INTEGER NOT NULL,
        sha256     TEXT NOT NULL,
        mtime_ms   REAL NOT NULL,
        ino        TEXT NOT NULL,
        PRIMARY KEY (install_id, path)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE bundle_active (
        name       TEXT PRIMARY KEY,
        install_id INTEGER NOT NULL REFERENCES bundle_installs(id)
      ) STRICT;
      CREATE TABLE bundle_checks (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        at          TEXT NOT NULL,
        files       INTEGER NOT NULL,
        duration_ms REAL NOT NULL,
        mismatches  INTEGER NOT NULL
      ) STRICT;
    `,
};
