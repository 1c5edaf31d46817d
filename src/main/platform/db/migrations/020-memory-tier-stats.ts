import type { Migration } from '../../../../platform/migrations';

export const m020MemoryTierStats: Migration = {
  version: 20,
  name: 'memory: items and bytes per tier, kept by triggers (issue 20)',
  sql: `
      -- memory.stats (the Memory view's tier table, read again after every change the view sees)
      -- was a GROUP BY over every item: ~100 ms at a year's 200,000 items, and a quota drain made
      -- the view ask for it again and again. Triggers keep this table exact in the same transaction
      -- as any write to memory_items (which is never written with INSERT OR REPLACE).
      CREATE TABLE memory_tier_stats (tier TEXT PRIMARY KEY, count INTEGER NOT NULL, bytes INTEGER NOT NULL) WITHOUT ROWID;
      INSERT INTO memory_tier_stats (tier, count, bytes) SELECT tier, count(*), coalesce(sum(bytes), 0) FROM memory_items GROUP BY tier;
      CREATE TRIGGER memory_tier_stats_insert AFTER INSERT ON memory_items BEGIN
        INSERT OR IGNORE INTO memory_tier_stats (tier, count, bytes) VALUES (NEW.tier, 0, 0);
        UPDATE memory_tier_stats SET count = count + 1, bytes = bytes + NEW.bytes WHERE tier = NEW.tier;
      END;
      CREATE TRIGGER memory_tier_stats_delete AFTER DELETE ON memory_items BEGIN
        UPDATE memory_tier_stats SET count = count - 1, bytes = bytes - OLD.bytes WHERE tier = OLD.tier;
      END;
      CREATE TRIGGER memory_tier_stats_update AFTER UPDATE OF tier, bytes ON memory_items
        WHEN OLD.tier IS NOT NEW.tier OR OLD.bytes IS NOT NEW.bytes BEGIN
        UPDATE memory_tier_stats SET count = count - 1, bytes = bytes - OLD.bytes WHERE tier = OLD.tier;
        INSERT OR IGNORE INTO memory_tier_stats (tier, count, bytes) VALUES (NEW.tier, 0, 0);
        UPDATE memory_tier_stats SET count = count + 1, bytes = bytes + NEW.bytes WHERE tier = NEW.tier;
      END;
  `,
};
