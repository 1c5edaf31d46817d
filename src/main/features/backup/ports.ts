// What the backup feature needs from others, as it sees them (src/main/app passes them in).
import type { Readable } from 'node:stream';
import type { Db } from '../../platform/db/connection';

export interface AttachmentMeta {
  hash: string;
  size: number;
  mime: string;
  name: string;
}

/** The device's attachments (src/main/features/capture, AttachmentStore): read as plaintext, stored by stream. */
export interface BackupAttachments {
  list(): AttachmentMeta[];
  openRead(hash: string, start?: number): Readable;
}

/**
 * Where a restore stages what it reads: the database file at `<dir>/maestro.db` (already written)
 * opened, and an attachment store over it and `<dir>`, both under the restored profile's at-rest key,
 * which travels among its keys.
 */
export type StagedProfileOpener = (
  dir: string,
  keys: Readonly<Record<string, string>>,
) => {
  db: Db;
  putStream(
    source: Readable,
    meta: { name: string; mime: string; nowIso: string },
    opts?: { expectedHash?: string; maxBytes?: number },
  ): Promise<{ hash: string }>;
};

/** Whether this profile is still empty: a restore only goes onto a device with nothing of its own yet. */
export interface BackupFreshness {
  isFresh(): boolean;
}
