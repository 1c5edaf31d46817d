import type { Migration } from '../../../../platform/migrations';

export const m008Memory: Migration = {
  version: 8,
  name: 'tiered memory: items (tier, TTL, content hash), float vectors, FTS5 (BM25), registry of the vector indexes',
  sql: `
      -- seq is the rowid the full-text and vector indexes share; id is the public id.
      CREATE TABLE memory_items (
        seq             INTEGER PRIMARY KEY,
        id              TEXT NOT NULL UNIQUE,
        tier            TEXT NOT NULL CHECK (tier IN ('core','working','episodic','semantic','procedural')),
        text            TEXT NOT NULL,
        locale          TEXT NOT NULL,
        -- Primary language subtag of locale, lower case (the locale filter matches on it).
        lang            TEXT NOT NULL,
        source_refs     TEXT NOT NULL CHECK (json_valid(source_refs) AND json_type(source_refs) = 'array'),
        created_at      TEXT NOT NULL,
        expires_at      TEXT,
        -- SHA-256 of the canonical {tier, text, locale}: it names the tier, so UNIQUE dedupes per tier.
        content_hash    TEXT NOT NULL UNIQUE,
        embedding_model TEXT,
        run_id          TEXT,
        bytes           INTEGER NOT NULL CHECK (bytes >= 0),
        CHECK (tier <> 'core' OR expires_at IS NULL)
      ) STRICT;
      -- Oldest-first per tier (eviction, compaction, stats), time filters, TTL sweep, per-run scratch.
      CREATE INDEX memory_items_tier_time ON memory_items(tier, created_at, seq);
      CREATE INDEX memory_items_time ON memory_items(created_at, seq);
      CREATE INDEX memory_items_expires ON memory_items(expires_at) WHERE expires_at IS NOT NULL;
      CREATE INDEX memory_items_run ON memory_items(run_id) WHERE run_id IS NOT NULL;
      CREATE INDEX memory_items_model ON memory_items(embedding_model, seq);

      -- The float32 embedding (little-endian, L2-normalised) of each item, by the model its item names.
      -- The source of truth for re-ranking and for rebuilding the vector indexes.
      CREATE TABLE memory_vectors (
        seq INTEGER PRIMARY KEY REFERENCES memory_items(seq) ON DELETE CASCADE,
        vec BLOB NOT NULL
      ) STRICT;

      -- The sqlite-vec (vec0) binary-quantised indexes, one per (embedding model, dimension). vec0 needs
      -- the extension, which is not loaded when migrations run: the memory store creates them lazily
      -- and records them here, and drops an index once nothing embedded by its model is left.
      CREATE TABLE memory_vector_indexes (
        name       TEXT PRIMARY KEY,
        model      TEXT NOT NULL,
        dimension  INTEGER NOT NULL CHECK (dimension > 0),
        created_at TEXT NOT NULL,
        UNIQUE (model, dimension)
      ) STRICT;

      -- BM25 over the item text; external content (the text lives in memory_items), kept in step by
      -- triggers. porter folds English inflections; unicode61 with remove_diacritics 2 folds accents.
      CREATE VIRTUAL TABLE memory_fts USING fts5(text, content='memory_items', content_rowid='seq', tokenize='porter unicode61 remove_diacritics 2');
      CREATE TRIGGER memory_items_fts_insert AFTER INSERT ON memory_items BEGIN
        INSERT INTO memory_fts (rowid, text) VALUES (NEW.seq, NEW.text);
      END;
      CREATE TRIGGER memory_items_fts_delete AFTER DELETE ON memory_items BEGIN
        INSERT INTO memory_fts (memory_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
      END;
      CREATE TRIGGER memory_items_fts_update AFTER UPDATE OF text ON memory_items BEGIN
        INSERT INTO memory_fts (memory_fts, rowid, text) VALUES ('delete', OLD.seq, OLD.text);
        INSERT INTO memory_fts (rowid, text) VALUES (NEW.seq, NEW.text);
      END;
    `,
};
