import type { Migration } from '../../../../platform/migrations';

export const m016RecordLocale: Migration = {
  version: 16,
  name: 'the language each record was captured in (contracts in several languages, decision 0031)',
  sql: `
      -- The user's language when the record was captured (capture.submit's locale). Records from
      -- before this version were captured in the only language the app had: English.
      ALTER TABLE records ADD COLUMN locale TEXT NOT NULL DEFAULT 'en';
  `,
};
