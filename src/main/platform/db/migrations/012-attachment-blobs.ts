import type { Migration } from '../../../../platform/migrations';

export const m012AttachmentBlobs: Migration = {
  version: 12,
  name: 'outbox items name the attachment blobs they need stored (chunked upload, decision 0020)',
  sql: `
      -- JSON array of blob ids (keyed digests of attachment files) fixed when the item is sealed:
      -- an attachment item its own, a record the blobs of every attachment it references.
      ALTER TABLE outbox ADD COLUMN blob_ids TEXT;
  `,
};
