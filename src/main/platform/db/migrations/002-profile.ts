import type { Migration } from '../../../../platform/migrations';

export const m002Profile: Migration = {
  version: 2,
  name: 'local profile',
  sql: `
      CREATE TABLE profile (
        singleton  INTEGER PRIMARY KEY CHECK (singleton = 1),
        id         TEXT NOT NULL,
        name       TEXT NOT NULL,
        tenant     TEXT NOT NULL,
        role       TEXT NOT NULL CHECK (role IN ('field','reviewer','admin')),
        device_id  TEXT NOT NULL,
        created_at TEXT NOT NULL
      ) STRICT;
    `,
};
