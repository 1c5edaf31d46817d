import type { Migration } from '../../../../platform/migrations';

export const m004Governance: Migration = {
  version: 4,
  name: 'contract documents received from the server, device meta (time watermark)',
  sql: `
      CREATE TABLE contract_docs (
        ref          TEXT PRIMARY KEY,
        name         TEXT NOT NULL,
        doc          TEXT NOT NULL,
        source       TEXT NOT NULL CHECK (source IN ('server')),
        installed_at TEXT NOT NULL
      ) STRICT;
      CREATE TABLE device_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `,
};
