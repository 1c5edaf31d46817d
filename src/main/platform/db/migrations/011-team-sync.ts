import type { Migration } from '../../../../platform/migrations';

export const m011TeamSync: Migration = {
  version: 11,
  name: 'team sync: shared run/card/approval outbox items, tenant keys, certificates, pull cursor, pulled runs/cards/records, approvals',
  sql: `
      -- The outbox gains the team item kinds (run and card snapshots, signed approvals). SQLite cannot
      -- alter a CHECK, so the table is rebuilt with every row kept. ref_id names the run, card or
      -- approval; key_scope says which key sealed it ('device': a key only this device held, before
      -- team sync; 'tenant': a distributed tenant key); subject/to_device route approvals.
      CREATE TABLE outbox_v11 (
        id               TEXT PRIMARY KEY,
        idempotency_key  TEXT NOT NULL UNIQUE,
        record_id        TEXT REFERENCES records(id),
        attachment_hash  TEXT REFERENCES attachments(hash),
        kind             TEXT NOT NULL CHECK (kind IN ('record','attachment','run','card','approval')),
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
        required_version TEXT,
        key_scope        TEXT CHECK (key_scope IN ('device','tenant')),
        ref_id           TEXT,
        subject          TEXT,
        to_device        TEXT,
        payload          TEXT
      ) STRICT;
      INSERT INTO outbox_v11 (id, idempotency_key, record_id, attachment_hash, kind, contract, tenant, created_at, state, attempts, next_attempt_at,
        last_error, key_version, ciphertext, iv, tag, content_hash, receipt, receipt_verified, server_seq, acked_at, required_version, key_scope)
        SELECT id, idempotency_key, record_id, attachment_hash, kind, contract, tenant, created_at, state, attempts, next_attempt_at,
        last_error, key_version, ciphertext, iv, tag, content_hash, receipt, receipt_verified, server_seq, acked_at, required_version,
        CASE WHEN ciphertext IS NULL THEN NULL ELSE 'device' END
        FROM outbox;
      DROP TABLE outbox;
      ALTER TABLE outbox_v11 RENAME TO outbox;
      CREATE INDEX outbox_state ON outbox(state, id);
      -- One unsealed snapshot per run or card at a time (its plaintext is made at seal time).
      CREATE INDEX outbox_ref ON outbox(kind, ref_id) WHERE ref_id IS NOT NULL;

      -- Tenant data-key versions this device holds (the keys are in the secret store).
      CREATE TABLE tenant_keys (
        tenant      TEXT NOT NULL,
        version     INTEGER NOT NULL,
        source      TEXT NOT NULL CHECK (source IN ('created','unwrapped')),
        wrapped_by  TEXT,
        created_at  TEXT NOT NULL,
        PRIMARY KEY (tenant, version)
      ) STRICT;

      -- Device certificates this device has seen (its own and its peers'), every version.
      CREATE TABLE team_certs (
        device         TEXT NOT NULL,
        version        INTEGER NOT NULL,
        tenant         TEXT NOT NULL,
        user           TEXT NOT NULL,
        roles          TEXT NOT NULL,
        status         TEXT NOT NULL,
        signing_key    TEXT NOT NULL,
        encryption_key TEXT,
        expires_at     TEXT NOT NULL,
        cert           TEXT NOT NULL,
        received_at    TEXT NOT NULL,
        PRIMARY KEY (device, version)
      ) STRICT;

      -- The pull: cursor, freshness and where it stopped. Written in the same transaction as the items applied.
      CREATE TABLE team_state (
        singleton        INTEGER PRIMARY KEY CHECK (singleton = 1),
        cursor           INTEGER NOT NULL DEFAULT 0,
        applied          INTEGER NOT NULL DEFAULT 0,
        last_pull_at     TEXT,
        last_server_time TEXT,
        stopped_seq      INTEGER,
        stopped_code     TEXT,
        stopped_message  TEXT,
        stopped_at       TEXT
      ) STRICT;
      INSERT INTO team_state (singleton) VALUES (1);

      -- What other devices of the tenant shared (pulled, decrypted, verified).
      CREATE TABLE team_runs (
        device        TEXT NOT NULL,
        run_id        TEXT NOT NULL,
        user          TEXT NOT NULL,
        status        TEXT NOT NULL,
        awaiting_card TEXT,
        updated_at    TEXT NOT NULL,
        created_at    TEXT NOT NULL,
        body          TEXT NOT NULL,
        seq           INTEGER NOT NULL,
        received_at   TEXT NOT NULL,
        PRIMARY KEY (device, run_id)
      ) STRICT;
      CREATE INDEX team_runs_created ON team_runs(created_at, run_id);
      CREATE TABLE team_cards (
        device      TEXT NOT NULL,
        card_id     TEXT NOT NULL,
        user        TEXT NOT NULL,
        run_id      TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        lane        TEXT NOT NULL,
        status      TEXT NOT NULL,
        body        TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (device, card_id)
      ) STRICT;
      CREATE INDEX team_cards_created ON team_cards(created_at, card_id);
      CREATE INDEX team_cards_run ON team_cards(device, run_id);
      CREATE TABLE team_records (
        device      TEXT NOT NULL,
        item_id     TEXT NOT NULL,
        user        TEXT NOT NULL,
        kind        TEXT NOT NULL,
        contract    TEXT NOT NULL,
        created_at  TEXT NOT NULL,
        body        TEXT NOT NULL,
        seq         INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (device, item_id)
      ) STRICT;
      CREATE INDEX team_records_seq ON team_records(seq);
      CREATE TABLE team_events (
        seq    INTEGER PRIMARY KEY,
        type   TEXT NOT NULL,
        device TEXT NOT NULL,
        user   TEXT NOT NULL,
        at     TEXT NOT NULL,
        reason TEXT
      ) STRICT;

      -- Approvals: those made here (state follows the server and the field device) and those pulled.
      CREATE TABLE team_decisions (
        approval_id TEXT PRIMARY KEY,
        device      TEXT NOT NULL,
        run_id      TEXT NOT NULL,
        card_id     TEXT NOT NULL,
        decision    TEXT NOT NULL CHECK (decision IN ('approved','rejected')),
        comment     TEXT NOT NULL,
        at          TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('queued','accepted','conflict','applied','refused')),
        message     TEXT,
        outbox_id   TEXT,
        updated_at  TEXT NOT NULL
      ) STRICT;
      CREATE INDEX team_decisions_card ON team_decisions(card_id);
      CREATE TABLE team_inbox (
        approval_id TEXT PRIMARY KEY,
        seq         INTEGER NOT NULL,
        from_device TEXT NOT NULL,
        run_device  TEXT NOT NULL,
        card_id     TEXT NOT NULL,
        body        TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('pending','applied','refused','seen')),
        code        TEXT,
        message     TEXT,
        received_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX team_inbox_pending ON team_inbox(state) WHERE state = 'pending';
      CREATE INDEX team_inbox_card ON team_inbox(card_id);
      CREATE TABLE team_refusals (
        id          INTEGER PRIMARY KEY,
        at          TEXT NOT NULL,
        seq         INTEGER,
        kind        TEXT NOT NULL,
        from_device TEXT,
        subject     TEXT,
        code        TEXT NOT NULL,
        message     TEXT NOT NULL
      ) STRICT;

      -- An approval appended to a card records which device and certificate signed it.
      ALTER TABLE card_approvals ADD COLUMN device TEXT;
      ALTER TABLE card_approvals ADD COLUMN cert_version INTEGER;
      ALTER TABLE card_approvals ADD COLUMN approval_id TEXT;
    `,
};
