import type { Migration } from '../../../../platform/migrations';

export const m003CaptureOutbox: Migration = {
  version: 3,
  name: 'drafts, records, attachments, outbox, sync config, keys, anchors, alerts',
  sql: `
      CREATE TABLE drafts (
        id         TEXT PRIMARY KEY,
        contract   TEXT NOT NULL,
        data       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE records (
        id         TEXT PRIMARY KEY,
        contract   TEXT NOT NULL,
        data       TEXT NOT NULL,
        created_at TEXT NOT NULL,
        audit_seq  INTEGER NOT NULL REFERENCES audit_log(seq)
      ) STRICT;
      CREATE TABLE attachments (
        hash       TEXT PRIMARY KEY,
        mime       TEXT NOT NULL,
        size       INTEGER NOT NULL,
        name       TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE outbox (
        id               TEXT PRIMARY KEY,
        idempotency_key  TEXT NOT NULL UNIQUE,
        record_id        TEXT REFERENCES records(id),
        attachment_hash  TEXT REFERENCES attachments(hash),
        kind             TEXT NOT NULL CHECK (kind IN ('record','attachment')),
        contract         TEXT NOT NULL,
        tenant           TEXT NOT NULL,
        created_at       TEXT NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('queued','acked','dead','blocked','discarded')),
        attempts         INTEGER NOT NULL DEFAULT 0,
        next_attempt_at  TEXT NOT NULL,
        last_error       TEXT,
        key_version      INTEGER,
        ciphertext       BLOB,
        iv               TEXT,
        tag              TEXT,
        content_hash     TEXT,
        receipt          TEXT,
        receipt_verified INTEGER NOT NULL DEFAULT 0,
        server_seq       INTEGER,
        acked_at         TEXT,
        required_version TEXT
      ) STRICT;
      CREATE INDEX outbox_state ON outbox(state, id);
      CREATE TABLE sync_config (
        singleton         INTEGER PRIMARY KEY CHECK (singleton = 1),
        server_url        TEXT NOT NULL,
        device_id         TEXT NOT NULL,
        tenant            TEXT NOT NULL,
        user              TEXT NOT NULL,
        roles             TEXT NOT NULL,
        server_key_id     TEXT NOT NULL,
        server_public_key TEXT NOT NULL,
        enrolled_at       TEXT NOT NULL,
        contracts         TEXT NOT NULL DEFAULT '{}',
        last_sync_at      TEXT,
        last_server_time  TEXT
      ) STRICT;
      CREATE TABLE data_keys (
        tenant     TEXT NOT NULL,
        version    INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, version)
      ) STRICT;
      CREATE TABLE audit_anchors (
        seq        INTEGER PRIMARY KEY,
        head       TEXT NOT NULL,
        server_seq INTEGER NOT NULL,
        time       TEXT NOT NULL,
        checkpoint TEXT NOT NULL
      ) STRICT;
      CREATE TABLE alerts (
        id         INTEGER PRIMARY KEY,
        at         TEXT NOT NULL,
        code       TEXT NOT NULL,
        message    TEXT NOT NULL,
        subject    TEXT NOT NULL DEFAULT '',
        resolved   INTEGER NOT NULL DEFAULT 0
      ) STRICT;
    `,
};
