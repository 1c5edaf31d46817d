// Numbered PostgreSQL schema migrations, the counterpart of migrations.ts (SQLite): step N here
// creates what step N there creates. Append only. Applied by migratePostgres (postgres-migrate.ts)
// inside one transaction under an advisory lock, and recorded with their checksums in schema_migrations.
// Times are timestamptz; ciphertext is bytea; receipt_json stays text because duplicates must
// return the original receipt byte for byte (jsonb would re-order and re-space it).

import type { Migration } from '../../platform/migrations';
import { MIGRATIONS } from './migrations';

const PG_SQL: readonly string[] = [
  // 1: bookkeeping.
  `CREATE TABLE server_meta (key TEXT PRIMARY KEY, value TEXT);
   INSERT INTO server_meta (key, value) VALUES ('created_at', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'));`,
  // 2: devices, enrollment, nonces, sync items, anchoring, server audit, contracts.
  `CREATE TABLE enrollment_tokens (
     token_hash TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     user_id TEXT NOT NULL,
     role TEXT NOT NULL CHECK (role IN ('field', 'reviewer', 'admin')),
     created_at TIMESTAMPTZ NOT NULL,
     expires_at TIMESTAMPTZ NOT NULL,
     used_at TIMESTAMPTZ,
     used_by TEXT
   );

   CREATE TABLE devices (
     id TEXT PRIMARY KEY,
     tenant TEXT NOT NULL,
     user_id TEXT NOT NULL,
     roles TEXT[] NOT NULL,
     name TEXT NOT NULL,
     public_key TEXT NOT NULL,
     enrolled_at TIMESTAMPTZ NOT NULL,
     revoked_at TIMESTAMPTZ,
     flagged_at TIMESTAMPTZ,
     last_sync_at TIMESTAMPTZ,
     app_version TEXT,
     last_anchor_seq BIGINT NOT NULL DEFAULT 0,
     last_anchor_hash TEXT NOT NULL DEFAULT '0000000000000000000000000000000000000000000000000000000000000000'
   );
   CREATE INDEX devices_tenant ON devices (tenant);

   CREATE TABLE nonces (
     device TEXT NOT NULL,
     nonce TEXT NOT NULL,
     seen_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (device, nonce)
   );
   CREATE INDEX nonces_seen_at ON nonces (seen_at);

   CREATE TABLE sync_items (
     server_seq BIGSERIAL PRIMARY KEY,
     tenant TEXT NOT NULL,
     device TEXT NOT NULL REFERENCES devices (id),
     idempotency_key TEXT NOT NULL,
     contract TEXT NOT NULL,
     kind TEXT NOT NULL,
     created_at TEXT NOT NULL,
     key_version INTEGER NOT NULL,
     ciphertext BYTEA NOT NULL,
     iv TEXT NOT NULL,
     tag TEXT NOT NULL,
     content_hash TEXT NOT NULL,
     received_at TIMESTAMPTZ NOT NULL,
     receipt_json TEXT NOT NULL,
     receipt_sig TEXT NOT NULL,
     UNIQUE (tenant, idempotency_key)
   );

   CREATE TABLE device_audit_hashes (
     device TEXT NOT NULL REFERENCES devices (id),
     seq BIGINT NOT NULL,
     prev_hash TEXT NOT NULL,
     hash TEXT NOT NULL,
     PRIMARY KEY (device, seq)
   );

   CREATE TABLE equivocations (
     id BIGSERIAL PRIMARY KEY,
     device TEXT NOT NULL REFERENCES devices (id),
     seq BIGINT NOT NULL,
     stored_hash TEXT NOT NULL,
     claimed_hash TEXT NOT NULL,
     detected_at TIMESTAMPTZ NOT NULL,
     evidence JSONB NOT NULL
   );

   CREATE TABLE server_audit (
     seq BIGSERIAL PRIMARY KEY,
     ts TIMESTAMPTZ NOT NULL,
     actor TEXT NOT NULL,
     action TEXT NOT NULL,
     subject TEXT NOT NULL,
     payload JSONB NOT NULL
   );
   -- Append-only, like the device's audit log.
   CREATE FUNCTION server_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS
     $$ BEGIN RAISE EXCEPTION 'server_audit is append-only'; END $$;
   CREATE TRIGGER server_audit_no_change BEFORE UPDATE OR DELETE ON server_audit
     FOR EACH ROW EXECUTE FUNCTION server_audit_append_only();

   CREATE TABLE contract_versions (
     name TEXT NOT NULL,
     version TEXT NOT NULL,
     major INTEGER NOT NULL,
     minor INTEGER NOT NULL,
     patch INTEGER NOT NULL,
     breaking BOOLEAN NOT NULL,
     registered_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (name, version)
   );`,
  // 3: offline governance (see migrations.ts step 3).
  `ALTER TABLE devices ADD COLUMN pending_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE devices ADD COLUMN dead_letter_count INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE devices ADD COLUMN contract_versions JSONB NOT NULL DEFAULT '{}';
   ALTER TABLE devices ADD COLUMN blocked_at TIMESTAMPTZ;
   ALTER TABLE devices ADD COLUMN blocked_reason TEXT;
   ALTER TABLE devices ADD COLUMN update_required_at TIMESTAMPTZ;
   ALTER TABLE devices ADD COLUMN version_level INTEGER NOT NULL DEFAULT 0;
   ALTER TABLE devices ADD COLUMN risk_level INTEGER NOT NULL DEFAULT 0;
   CREATE INDEX devices_tenant_seen ON devices (tenant, (COALESCE(last_sync_at, enrolled_at)), id);
   CREATE INDEX devices_tenant_pending ON devices (tenant, pending_count, id);
   CREATE INDEX devices_tenant_level_seen ON devices (tenant, risk_level, (COALESCE(last_sync_at, enrolled_at)), id);
   CREATE INDEX devices_tenant_level_pending ON devices (tenant, risk_level, pending_count, id);

   CREATE TABLE device_snapshots (
     day TEXT NOT NULL,
     device TEXT NOT NULL REFERENCES devices (id),
     tenant TEXT NOT NULL,
     level TEXT NOT NULL CHECK (level IN ('low', 'medium', 'high', 'critical')),
     pending_count INTEGER NOT NULL,
     dead_letter_count INTEGER NOT NULL,
     last_sync_at TIMESTAMPTZ,
     PRIMARY KEY (day, device)
   );
   CREATE INDEX device_snapshots_device ON device_snapshots (device, day);

   CREATE TABLE tenant_risk_policies (
     tenant TEXT PRIMARY KEY,
     policy JSONB NOT NULL,
     updated_at TIMESTAMPTZ NOT NULL,
     updated_by TEXT NOT NULL
   );`,
  // 4: prefix search of the admin device list (see migrations.ts step 4): lower() LIKE 'x%' over
  // text_pattern_ops, whatever the database's collation.
  `CREATE INDEX devices_tenant_id_ci ON devices (tenant, lower(id) text_pattern_ops);
   CREATE INDEX devices_tenant_user_ci ON devices (tenant, lower(user_id) text_pattern_ops);
   CREATE INDEX devices_tenant_name_ci ON devices (tenant, lower(name) text_pattern_ops);`,
  // 5: the device's Merkle tree frontier at its anchored head (see migrations.ts step 5).
  `ALTER TABLE devices ADD COLUMN anchor_frontier JSONB NOT NULL DEFAULT '[]'::jsonb;`,
  // 6: team sync (see migrations.ts step 6). cert_json and the wrapped-key bodies stay text: they
  // are returned as stored (jsonb would re-order and re-space them).
  `ALTER TABLE devices ADD COLUMN encryption_key TEXT;
   ALTER TABLE devices ADD COLUMN cert_version INTEGER NOT NULL DEFAULT 0;

   CREATE TABLE device_certs (
     device TEXT NOT NULL REFERENCES devices (id),
     version INTEGER NOT NULL,
     tenant TEXT NOT NULL,
     cert_json TEXT NOT NULL,
     signature TEXT NOT NULL,
     issued_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (device, version)
   );

   ALTER TABLE sync_items ADD COLUMN key_scope TEXT;
   ALTER TABLE sync_items ADD COLUMN subject TEXT;
   ALTER TABLE sync_items ADD COLUMN to_device TEXT;

   CREATE TABLE tenant_key_versions (
     tenant TEXT NOT NULL,
     version INTEGER NOT NULL,
     created_by TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (tenant, version)
   );

   CREATE TABLE wrapped_keys (
     tenant TEXT NOT NULL,
     version INTEGER NOT NULL,
     recipient TEXT NOT NULL REFERENCES devices (id),
     body TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (tenant, version, recipient)
   );
   CREATE INDEX wrapped_keys_recipient ON wrapped_keys (tenant, recipient, version);

   CREATE TABLE approval_claims (
     tenant TEXT NOT NULL,
     card_id TEXT NOT NULL,
     idempotency_key TEXT NOT NULL,
     device TEXT NOT NULL,
     user_id TEXT NOT NULL,
     server_seq BIGINT NOT NULL,
     received_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (tenant, card_id)
   );

   CREATE TABLE team_feed (
     seq BIGSERIAL PRIMARY KEY,
     tenant TEXT NOT NULL,
     kind TEXT NOT NULL CHECK (kind IN ('item', 'cert', 'key', 'event')),
     min_role INTEGER NOT NULL,
     to_device TEXT,
     from_device TEXT,
     item_seq BIGINT,
     body TEXT,
     created_at TIMESTAMPTZ NOT NULL
   );
   CREATE INDEX team_feed_tenant_seq ON team_feed (tenant, seq);`,

  // 7: attachment blobs (decision 0020): declared blobs and their sealed chunks (ciphertext only).
  `CREATE TABLE attachment_blobs (
     tenant TEXT NOT NULL,
     blob TEXT NOT NULL,
     size BIGINT NOT NULL,
     chunks INTEGER NOT NULL,
     key_version INTEGER NOT NULL,
     device TEXT NOT NULL,
     created_at TIMESTAMPTZ NOT NULL,
     PRIMARY KEY (tenant, blob)
   );
   CREATE TABLE attachment_chunks (
     tenant TEXT NOT NULL,
     blob TEXT NOT NULL,
     idx INTEGER NOT NULL,
     bytes BYTEA NOT NULL,
     PRIMARY KEY (tenant, blob, idx),
     FOREIGN KEY (tenant, blob) REFERENCES attachment_blobs (tenant, blob)
   );`,

  // 8: server audit hash chain (see migrations.ts step 8).
  `ALTER TABLE server_audit ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT;
   CREATE UNIQUE INDEX server_audit_prev_hash ON server_audit (prev_hash) WHERE prev_hash IS NOT NULL;`,

  // 9: cluster (issue 18): per-device token buckets shared by every instance (rate-limit.ts).
  // UNLOGGED: a crash empties it, which only refills buckets. Purged when idle (postgres-rate-limit.ts).
  // The schema compatibility floor itself is a column of schema_migrations (postgres-migrate.ts).
  `CREATE UNLOGGED TABLE rate_buckets (
     key TEXT PRIMARY KEY,
     tokens DOUBLE PRECISION NOT NULL,
     at_ms DOUBLE PRECISION NOT NULL,
     ok BOOLEAN NOT NULL
   );`,
  // 10: key rotation (see migrations.ts step 10).
  `CREATE TABLE server_keys (
     key_id TEXT PRIMARY KEY,
     seq INTEGER NOT NULL UNIQUE,
     public_key TEXT NOT NULL,
     statement_json TEXT,
     valid_from TIMESTAMPTZ NOT NULL,
     created_at TIMESTAMPTZ NOT NULL
   );
   CREATE TABLE device_keys (
     device TEXT NOT NULL REFERENCES devices (id),
     version INTEGER NOT NULL,
     public_key TEXT NOT NULL,
     proof_json TEXT,
     proof_sig TEXT,
     valid_from TIMESTAMPTZ NOT NULL,
     replaced_at TIMESTAMPTZ,
     PRIMARY KEY (device, version)
   );`,
  // 11: SQLite's fork guard becomes a trigger (see migrations.ts step 11). Several instances write
  // here, under the advisory lock taken at commit (decision 0034); the unique index on prev_hash is
  // what turns a writer that skipped the lock into an error, so it stays.
  `SELECT 1`,
];

/** Step N is named as SQLite's step N (the same change) and declares the same compatibility floor. */
export const PG_MIGRATIONS: readonly Migration[] = PG_SQL.map((sql, i) => {
  const { name, compatMin } = MIGRATIONS[i]!;
  return { version: i + 1, name, sql, ...(compatMin !== undefined ? { compatMin } : {}) };
});

export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;
