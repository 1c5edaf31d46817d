import type { Migration } from '../../../../platform/migrations';

export const m021MemoryFtsTail: Migration = {
  version: 21,
  name: 'memory full-text index: a write-behind tail (decision 0044)',
  sql: `
      -- Every item with seq <= indexed_seq is in memory_fts; later ones (the tail, at most
      -- FTS_TAIL_MAX) are written to it together: when the tail is full, or before a full-text
      -- query reads it. FTS5 writes a new segment at every commit that changed it, so one item a
      -- transaction cost a segment each (~20 % of memory.add).
      CREATE TABLE memory_fts_state (
        id          INTEGER PRIMARY KEY CHECK (id = 1),
        indexed_seq INTEGER NOT NULL
      ) STRICT;
      -- Before this version every item was indexed at once.
      INSERT INTO memory_fts_state (id, indexed_seq) SELECT 1, coalesce(max(seq), 0) FROM memory_items;
      -- An item at or below indexed_seq (a seq SQLite hands out again after the highest row was
      -- deleted) is indexed at once, as before; one above it joins the tail. A deleted or changed
      -- item is taken out of the index only if it is in it (an FTS5 'delete' of a row it does not
      -- hold would corrupt it).
      DROP TRIGGER memory_items_fts_insert;
      CREATE TRIGGER memory_items_fts_insert AFTER INSERT ON memory_items
        WHEN NEW.seq <= (SELECT indexed_seq FROM memory_fts_state) BEGIN
        INSERT INTO memory_fts (rowid, text) VALUES (NEW.seq, NEW.text);
      END;
      DROP TRIGGER memory_items_fts_delete;
      CREATE TRIGGER memory_items_fts_delete AFTER DELETE ON memory_items
        WHEN OLD.seq <= (SELECT indexed_seq FROM memory_fts_state) BEGIN
        INSERT INTO memory_fts (memory_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
      END;
      DROP TRIGGER memory_items_fts_update;
      CREATE TRIGGER memory_items_fts_update AFTER UPDATE OF text ON memory_items
        WHEN OLD.seq <= (SELECT indexed_seq FROM memory_fts_state) BEGIN
        INSERT INTO memory_fts (memory_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
        INSERT INTO memory_fts (rowid, text) VALUES (NEW.seq, NEW.text);
      END;
  `,
};
