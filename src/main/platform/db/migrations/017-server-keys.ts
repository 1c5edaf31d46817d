import type { Migration } from '../../../../platform/migrations';

export const m017ServerKeys: Migration = {
  version: 17,
  name: 'server key ring and device signing key rotation (issue 18)',
  sql: `
      -- The server keys this device trusts: the one pinned at enrollment, and every key the server
      -- introduced since by a statement this device verified (signed by the key before and by the
      -- new key). seq 1 is the chain's first key; statement_json is NULL for it.
      CREATE TABLE server_keys (
        key_id TEXT PRIMARY KEY,
        seq INTEGER NOT NULL UNIQUE,
        public_key TEXT NOT NULL,
        statement_json TEXT,
        learned_at TEXT NOT NULL
      ) STRICT;
      -- A device enrolled before rotation existed: its pinned key starts the ring. (A device that
      -- enrolled after a rotation without learning the chain gets the older keys on its next sync.)
      INSERT INTO server_keys (key_id, seq, public_key, statement_json, learned_at)
        SELECT server_key_id, 1, server_public_key, NULL, enrolled_at FROM sync_config WHERE singleton = 1;
      -- Device key rotation: the secret-store name of the signing key in use (NULL: the enrollment
      -- name), and a new key generated but not yet accepted by the server (switch after a 200).
      ALTER TABLE sync_config ADD COLUMN signing_key_name TEXT;
      ALTER TABLE sync_config ADD COLUMN pending_key_name TEXT;
  `,
};
