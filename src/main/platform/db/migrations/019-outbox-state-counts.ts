import type { Migration } from '../../../../platform/migrations';

export const m019OutboxStateCounts: Migration = {
  version: 19,
  name: 'outbox: items per state, kept by triggers (issue 20)',
  sql: `
      -- The outbox's counts per state (sync status, Health, the governance board) were a
      -- GROUP BY over every row: 30-170 ms at a year's 100,000 items, on the first screen and on
      -- every Health refresh. Triggers keep this table exact in the same transaction as any write
      -- to outbox, whoever makes it (INSERT OR REPLACE is never used on outbox: with recursive
      -- triggers off, its implicit delete would not be counted).
      CREATE TABLE outbox_state_counts (state TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO outbox_state_counts (state, n) SELECT state, count(*) FROM outbox GROUP BY state;
      CREATE TRIGGER outbox_counts_insert AFTER INSERT ON outbox BEGIN
        INSERT OR IGNORE INTO outbox_state_counts (state, n) VALUES (NEW.state, 0);
        UPDATE outbox_state_counts SET n = n + 1 WHERE state = NEW.state;
      END;
      CREATE TRIGGER outbox_counts_delete AFTER DELETE ON outbox BEGIN
        UPDATE outbox_state_counts SET n = n - 1 WHERE state = OLD.state;
      END;
      CREATE TRIGGER outbox_counts_update AFTER UPDATE OF state ON outbox WHEN OLD.state IS NOT NEW.state BEGIN
        UPDATE outbox_state_counts SET n = n - 1 WHERE state = OLD.state;
        INSERT OR IGNORE INTO outbox_state_counts (state, n) VALUES (NEW.state, 0);
        UPDATE outbox_state_counts SET n = n + 1 WHERE state = NEW.state;
      END;
  `,
};
