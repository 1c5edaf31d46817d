import type { Migration } from '../../../../platform/migrations';

export const m001AuditLog: Migration = {
  version: 1,
  name: 'audit log with append-only triggers',
  sql: `
      CREATE TABLE audit_log (
        seq       INTEGER PRIMARY KEY,
        ts        TEXT    NOT NULL,
        actor     TEXT    NOT NULL,
        action    TEXT    NOT NULL,
        subject   TEXT    NOT NULL DEFAULT '',
        payload   TEXT    NOT NULL,
        prev_hash TEXT    NOT NULL,
        hash      TEXT    NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_action ON audit_log(action, seq);
      CREATE INDEX audit_log_actor  ON audit_log(actor, seq);
      CREATE INDEX audit_log_ts     ON audit_log(ts);
      CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
        BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
      CREATE TABLE audit_verifications (
        id          INTEGER PRIMARY KEY,
        verified_at TEXT    NOT NULL,
        valid       INTEGER NOT NULL,
        checked     INTEGER NOT NULL,
        head_seq    INTEGER,
        head_hash   TEXT,
        bad_seq     INTEGER,
        bad_reason  TEXT,
        duration_ms REAL    NOT NULL
      ) STRICT;
    `,
};
