// The backup's manifest (the tar's last entry; its hash is in the closing frame) and the tar entry names.
import type { AttachmentMeta } from './ports';
import type { BackupSummary } from '../../../shared/api/backup';

export const ENTRY = {
  keys: 'keys.json',
  db: 'db/maestro.db',
  attachmentIndex: 'attachments.json',
  attachmentPrefix: 'attachments/',
  manifest: 'manifest.json',
} as const;

export interface BackupManifest {
  v: 1;
  createdAt: string;
  device: string | null;
  tenant: string | null;
  schemaVersion: number;
  /** every entry before the manifest, in order, with its size and sha256 */
  files: { path: string; size: number; sha256: string }[];
  attachments: AttachmentMeta[];
  /** the names of the secrets in keys.json (never their values) */
  secrets: string[];
  audit: { seq: number; hash: string } | null;
  outbox: Record<string, number>;
}

/** Outbox states that still have to reach the server. */
const UNSENT = ['queued', 'blocked', 'dead'];

export const summaryOf = (m: BackupManifest, manifestSha256: string): BackupSummary => ({
  createdAt: m.createdAt,
  device: m.device,
  tenant: m.tenant,
  attachments: m.attachments.length,
  unsent: UNSENT.reduce((n, s) => n + (m.outbox[s] ?? 0), 0),
  auditSeq: m.audit?.seq ?? 0,
  manifestSha256,
});
