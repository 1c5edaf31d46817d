import type { Migration } from '../../../../platform/migrations';

/**
 * Perfect-subtree nodes of the RFC 9162 Merkle tree over audit entry hashes (src/main/platform/audit/merkle.ts).
 * Only levels ≥ 4 are stored (one row per 16 leaves, ~1/8 row per entry in all): the four lowest
 * levels are recomputed from the 16 audit rows of a block when a proof needs them. Rows are derived
 * data, filled lazily from audit_log in batches (backfill of existing logs included), so the table
 * needs no triggers of its own: a tampered row only makes roots disagree with the server checkpoint.
 * Countersigned tree heads live in the checkpoint JSON of audit_anchors (optional treeSize/treeRoot).
 */
export const m009AuditMerkle: Migration = {
  version: 9,
  name: 'audit Merkle tree (RFC 6962) nodes and countersigned tree heads',
  sql: `
      CREATE TABLE audit_merkle_nodes (
        level INTEGER NOT NULL,
        idx   INTEGER NOT NULL,
        hash  BLOB    NOT NULL,
        PRIMARY KEY (level, idx)
      ) STRICT, WITHOUT ROWID;
    `,
};
