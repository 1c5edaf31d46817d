import type { Migration } from '../../../../platform/migrations';

export const m018MemoryIndexTail: Migration = {
  version: 18,
  name: 'memory vector indexes: the write-behind tail (decision 0032)',
  sql: `
      -- Every item of the model with seq <= indexed_seq is in the vec0 table; later ones (at most
      -- TAIL_MAX, 128) are searched exactly until they are written to vec0 together.
      ALTER TABLE memory_vector_indexes ADD COLUMN indexed_seq INTEGER NOT NULL DEFAULT 0;
      -- Before this version every item was written to its index at once.
      UPDATE memory_vector_indexes SET indexed_seq = (SELECT coalesce(max(seq), 0) FROM memory_items);
  `,
};
