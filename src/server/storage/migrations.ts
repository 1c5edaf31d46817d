// Numbered SQLite schema migrations (src/platform/migrations.ts: SQL text, checksummed when
// applied). Append only: never edit a shipped migration, add a new one. postgres-migrations.ts
// holds the same numbered steps for PostgreSQL; keep the two in step.
import type { Migration } from '../../platform/migrations';

/** Registered on the connection while migrating: the creation time (injectable for tests), as ISO text. */
export const MIGRATION_NOW_FUNCTION = 'maestro_migration_now';

export const MIGRATIONS: readonly Migration[] = [
  // 1: bookkeeping table; created_at helps tell a fresh db from a restored backup.
  {
    version: 1,
    name: 'bookkeeping',
    sql: `
      CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT) STRICT;
      INSERT INTO server_meta (key, value) VALUES ('created_at', ${MIGRATION_NOW_FUNCTION}());
    `,
  },
  // 2: devices, enrollment, signed-request nonces, sync items with receipts, audit anchoring,
  // the server's own audit trail and the contract registry. Times are ISO-8601 UTC text
  // (toISOString), which sorts and compares correctly as text.
  {
    version: 2,
    name: 'devices, enrollment, nonces, sync items, anchoring, server audit, contracts',
    sql: `
      CREATE TABLE enrollment_tokens (
        token_hash TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        user_id TEXT NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('field', 'reviewer', 'admin')),
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        used_at TEXT,
        used_by TEXT
      ) STRICT;

      CREATE TABLE devices (
        id TEXT PRIMARY KEY,
        tenant TEXT NOT NULL,
        user_id TEXT NOT NULL,
        roles TEXT NOT NULL,
        name TEXT NOT NULL,
        public_key TEXT NOT NULL,
        enrolled_at TEXT NOT NULL,
        revoked_at TEXT,
        flagged_at TEXT,
        last_sync_at TEXT,
        app_version TEXT,
        last_anchor_seq INTEGER NOT NULL DEFAULT 0,
        last_anchor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
      ) STRICT;
      CREATE INDEX devices_tenant ON devices (tenant);

      CREATE TABLE nonces (
        device TEXT NOT NULL,
        nonce TEXT NOT NULL,
        seen_at TEXT NOT NULL,
        PRIMARY KEY (device, nonce)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX nonces_seen_at ON nonces (seen_at);

      CREATE TABLE sync_items (
        server_seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        device TEXT NOT NULL REFERENCES devices (id),
        idempotency_key TEXT NOT NULL,
        contract TEXT NOT NULL,
        kind TEXT NOT NULL,
        created_at TEXT NOT NULL,
        key_version INTEGER NOT NULL,
        ciphertext BLOB NOT NULL,
        iv TEXT NOT NULL,
        tag TEXT NOT NULL,
        content_hash TEXT NOT NULL,
        received_at TEXT NOT NULL,
        receipt_json TEXT NOT NULL,
        receipt_sig TEXT NOT NULL,
        UNIQUE (tenant, idempotency_key)
      ) STRICT;

      CREATE TABLE device_audit_hashes (
        device TEXT NOT NULL REFERENCES devices (id),
        seq INTEGER NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL,
        PRIMARY KEY (device, seq)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE equivocations (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        device TEXT NOT NULL REFERENCES devices (id),
        seq INTEGER NOT NULL,
        stored_hash TEXT NOT NULL,
        claimed_hash TEXT NOT NULL,
        detected_at TEXT NOT NULL,
        evidence TEXT NOT NULL
      ) STRICT;

      CREATE TABLE server_audit (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        ts TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        subject TEXT NOT NULL,
        payload TEXT NOT NULL
      ) STRICT;
      -- The server's audit trail is append-only, like the device's.
      CREATE TRIGGER server_audit_no_update BEFORE UPDATE ON server_audit
        BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;
      CREATE TRIGGER server_audit_no_delete BEFORE DELETE ON server_audit
        BEGIN SELECT RAISE(ABORT, 'server_audit is append-only'); END;

      CREATE TABLE contract_versions (
        name TEXT NOT NULL,
        version TEXT NOT NULL,
        major INTEGER NOT NULL,
        minor INTEGER NOT NULL,
        patch INTEGER NOT NULL,
        breaking INTEGER NOT NULL CHECK (breaking IN (0, 1)),
        registered_at TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) STRICT;
    `,
  },
  // 3: offline governance. What each device last reported (pending, dead letters, contracts in
  // use), admin controls (block, require update), the version part of its risk and its full risk
  // level (both precomputed, see common.ts), daily risk snapshots for trends and per-tenant risk
  // policies. Indexes serve the admin device list: filter by level, sort by last seen (sync or
  // enrollment), pending count or level within a tenant.
  {
    version: 3,
    name: 'offline governance: device reports, admin controls, risk levels, snapshots, policies',
    sql: `
      ALTER TABLE devices ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN dead_letter_count INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN contract_versions TEXT NOT NULL DEFAULT '{}';
      ALTER TABLE devices ADD COLUMN blocked_at TEXT;
      ALTER TABLE devices ADD COLUMN blocked_reason TEXT;
      ALTER TABLE devices ADD COLUMN update_required_at TEXT;
      ALTER TABLE devices ADD COLUMN version_level INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE devices ADD COLUMN risk_level INTEGER NOT NULL DEFAULT 0;
      CREATE INDEX devices_tenant_seen ON devices (tenant, COALESCE(last_sync_at, enrolled_at), id);
      CREATE INDEX devices_tenant_pending ON devices (tenant, pending_count, id);
      CREATE INDEX devices_tenant_level_seen ON devices (tenant, risk_level, COALESCE(last_sync_at, enrolled_at), id);
      CREATE INDEX devices_tenant_level_pending ON devices (tenant, risk_level, pending_count, id);

      CREATE TABLE device_snapshots (
        day TEXT NOT NULL,
        device TEXT NOT NULL REFERENCES devices (id),
        tenant TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high', 'critical')),
        pending_count INTEGER NOT NULL,
        dead_letter_count INTEGER NOT NULL,
        last_sync_at TEXT,
        PRIMARY KEY (day, device)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX device_snapshots_device ON device_snapshots (device, day);

      CREATE TABLE tenant_risk_policies (
        tenant TEXT PRIMARY KEY,
        policy TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;
    `,
  },
  // 4: the admin device search (`q`) is a case-insensitive prefix of the id, user or name, so each
  // of the three is one index range scan within the tenant (LIKE 'x%' uses an index whose column
  // collation is NOCASE, the case folding of SQLite's LIKE) instead of a scan of every device.
  {
    version: 4,
    name: 'case-insensitive prefix search indexes of the admin device list',
    sql: `
      CREATE INDEX devices_tenant_id_ci ON devices (tenant, id COLLATE NOCASE);
      CREATE INDEX devices_tenant_user_ci ON devices (tenant, user_id COLLATE NOCASE);
      CREATE INDEX devices_tenant_name_ci ON devices (tenant, name COLLATE NOCASE);
    `,
  },
  // 5: the device's Merkle tree frontier at its anchored head (RFC 9162 perfect-subtree roots, largest
  // first, hex JSON): countersigning a tree head costs O(log n) per anchor instead of re-reading
  // every anchored hash. '[]' with a non-zero head (devices anchored before this) is rebuilt once.
  {
    version: 5,
    name: 'Merkle tree frontier at the anchored head',
    sql: `ALTER TABLE devices ADD COLUMN anchor_frontier TEXT NOT NULL DEFAULT '[]'`,
  },
  // 6: team sync (issue 9). Device certificates (every version kept; devices.cert_version is the
  // current one, 0 until the first is issued) and the device's X25519 key; the sync item's key
  // scope, subject (approvals: the card) and target device; tenant data-key versions and their
  // copies wrapped per device; the first decision per card; and the team feed devices pull in seq
  // order (one row per shared item, certificate, wrapped key or device event, with who may see it).
  {
    version: 6,
    name: 'team sync: certificates, key scopes, tenant keys, approval claims, team feed',
    sql: `
      ALTER TABLE devices ADD COLUMN encryption_key TEXT;
      ALTER TABLE devices ADD COLUMN cert_version INTEGER NOT NULL DEFAULT 0;

      CREATE TABLE device_certs (
        device TEXT NOT NULL REFERENCES devices (id),
        version INTEGER NOT NULL,
        tenant TEXT NOT NULL,
        cert_json TEXT NOT NULL,
        signature TEXT NOT NULL,
        issued_at TEXT NOT NULL,
        PRIMARY KEY (device, version)
      ) STRICT, WITHOUT ROWID;

      ALTER TABLE sync_items ADD COLUMN key_scope TEXT;
      ALTER TABLE sync_items ADD COLUMN subject TEXT;
      ALTER TABLE sync_items ADD COLUMN to_device TEXT;

      CREATE TABLE tenant_key_versions (
        tenant TEXT NOT NULL,
        version INTEGER NOT NULL,
        created_by TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, version)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE wrapped_keys (
        tenant TEXT NOT NULL,
        version INTEGER NOT NULL,
        recipient TEXT NOT NULL REFERENCES devices (id),
        body TEXT NOT NULL,
        created_at TEXT NOT NULL,
        PRIMARY KEY (tenant, version, recipient)
      ) STRICT, WITHOUT ROWID;
      CREATE INDEX wrapped_keys_recipient ON wrapped_keys (tenant, recipient, version);

      CREATE TABLE approval_claims (
        tenant TEXT NOT NULL,
        card_id TEXT NOT NULL,
        idempotency_key TEXT NOT NULL,
        device TEXT NOT NULL,
        user_id TEXT NOT NULL,
        server_seq INTEGER NOT NULL,
        received_at TEXT NOT NULL,
        PRIMARY KEY (tenant, card_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE team_feed (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('item', 'cert', 'key', 'event')),
        min_role INTEGER NOT NULL,
        to_device TEXT,
        from_device TEXT,
        item_seq INTEGER,
        body TEXT,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE INDEX team_feed_tenant_seq ON team_feed (tenant, seq);
    `,
  },
  // 7: attachment blobs (decision 0020). The SQLite server keeps sealed chunks on the filesystem
  // (src/server/blobs/fs-store.ts); PostgreSQL keeps them in tables of its step 7. The step exists
  // here too so both backends share one numbering; it changes nothing.
  {
    version: 7,
    name: 'attachment blobs (PostgreSQL tables; the SQLite server keeps them on the filesystem)',
    sql: `SELECT 1`,
  },
  // 8: the server's audit rows are hash-chained like the device's (storage/audit-chain.ts). Rows
  // already there cannot be updated (append-only): they keep NULL hashes and the first chained row
  // seals them. One row per prev_hash: two writers can never fork the chain.
  {
    version: 8,
    name: 'server audit hash chain',
    sql: `ALTER TABLE server_audit ADD COLUMN prev_hash TEXT;
      ALTER TABLE server_audit ADD COLUMN hash TEXT;
      CREATE UNIQUE INDEX server_audit_prev_hash ON server_audit (prev_hash) WHERE prev_hash IS NOT NULL;`,
  },
  // 9: cluster (issue 18). PostgreSQL's step 9 creates rate_buckets, the per-device token buckets
  // every instance shares; one SQLite server keeps its buckets in memory, so here the step changes
  // nothing. Additive: a server that knows only step 8 still runs on a schema at 9 (compatMin).
  {
    version: 9,
    name: 'cluster: shared rate buckets and the schema compatibility floor',
    sql: `SELECT 1`,
    compatMin: 8,
  },
  // 10: key rotation (issue 18). server_keys: the chain of server signing keys (seq 1 seeded from the
  // key in use; later rows keep the statement signed by the key before and by the new key).
  // device_keys: a device's signing key history, written from its first rotation on (version 1 is
  // its enrollment key). Additive: a server that knows only step 9 still runs on it (compatMin).
  {
    version: 10,
    name: 'server key chain and device key history',
    sql: `
      CREATE TABLE server_keys (
        key_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        public_key TEXT NOT NULL,
        statement_json TEXT,
        valid_from TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE device_keys (
        device TEXT NOT NULL REFERENCES devices (id),
        version INTEGER NOT NULL,
        public_key TEXT NOT NULL,
        proof_json TEXT,
        proof_sig TEXT,
        valid_from TEXT NOT NULL,
        replaced_at TEXT,
        PRIMARY KEY (device, version)
      ) STRICT;
    `,
    compatMin: 9,
  },
  // 11: the chain's fork guard without a random-order index (issue 20, decision 0034 addendum). The
  // unique index on prev_hash (step 8) put one random leaf page of a hash-keyed B-tree into every
  // sync batch's COMMIT per stored item. One SQLite server is the only writer, and its rows always
  // link to the last chained row, so the guard is that rule itself: a chained row must link to the
  // hash of the last chained row (or genesis when there is none), read from the end of the seq
  // B-tree, whose pages every append touches anyway. That refuses everything the unique index
  // refused (a second row linking the same predecessor) and more (a row linking any older one).
  // Unchained rows (an older server's, NULL prev_hash) are still let in for the next seal. Additive
  // for a server that knows only step 10: it links its rows the same way (compatMin).
  {
    version: 11,
    name: 'server audit chain: the SQLite fork guard is a trigger, not a unique index',
    sql: `DROP INDEX server_audit_prev_hash;
      CREATE TRIGGER server_audit_linear BEFORE INSERT ON server_audit
        WHEN NEW.prev_hash IS NOT NULL
          AND NEW.prev_hash IS NOT COALESCE(
            (SELECT hash FROM server_audit WHERE hash IS NOT NULL ORDER BY seq DESC LIMIT 1),
            '0000000000000000000000000000000000000000000000000000000000000000')
        BEGIN SELECT RAISE(ABORT, 'server_audit: a chained row must link to the last chained row'); END;`,
    compatMin: 10,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.length;
