import type { Migration } from '../../../../platform/migrations';

export const m014DecisionContext: Migration = {
  version: 14,
  name: "reviewers decide on the content: card search by the record's title fields, the decision context in shared runs",
  sql: `
      -- Cards recorded before this version are indexed under their run's title fields once, after
      -- start-up (features/cards backfillRecordWords): seq (done_to, legacy_to] is still to do.
      CREATE TABLE card_search_backfill (
        singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
        done_to INTEGER NOT NULL,
        legacy_to INTEGER NOT NULL
      ) STRICT;
      INSERT INTO card_search_backfill (singleton, done_to, legacy_to) VALUES (1, 0, (SELECT coalesce(max(seq), 0) FROM decision_cards));
      -- What a reviewer decides on (shared/workflow/decision-context.ts), as the run's device shared it;
      -- NULL for snapshots from devices before this version.
      ALTER TABLE team_runs ADD COLUMN context TEXT;
  `,
};
