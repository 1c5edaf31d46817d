import type { Migration } from './index';

export const m009AuditMerkle: Migration = {
  version: 9,
  name: 'audit Merkle tree (RFC 6962) nodes and countersigned tree heads',
  up() {
    // Filled in by the Merkle work (issue 8).
  },
};
