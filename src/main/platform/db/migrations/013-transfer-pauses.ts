import type { Migration } from '../../../../platform/migrations';

export const m013TransferPauses: Migration = {
  version: 13,
  name: 'paused attachment uploads survive a restart (features/sync transfers)',
  sql: `
      -- An upload the person paused: it stays paused after the app restarts, until they resume it.
      CREATE TABLE transfer_pauses (
        hash TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        paused_at TEXT NOT NULL
      ) STRICT;
  `,
};
