// Back up this device to one encrypted file; restore a backup onto a fresh device (docs/decisions/0016-backup-restore.md).
import { join } from 'node:path';
import type { BackupSummary } from '../../../shared/api/backup';
import type { Db } from '../../platform/db/connection';
import type { SecretStore } from '../../platform/keys/index';
import type { Clock } from '../../platform/util/clock';
import { takeAppliedNote } from './apply';
import { createBackup } from './create';
import { BackupRefused } from './errors';
import type { BackupAttachments, BackupFreshness, StagedProfileOpener } from './ports';
import { stageRestore } from './restore';

export { applyPendingRestore, hasPendingRestore, type ApplyResult } from './apply';

export interface BackupDeps {
  db: Db;
  dataDir: string;
  clock: Clock;
  secrets: () => Promise<SecretStore>;
  attachments: BackupAttachments;
  openStaged: StagedProfileOpener;
  freshness: BackupFreshness;
  audit: {
    append(e: { actor: string; action: string; subject?: string; payload: Record<string, unknown> }): unknown;
    head(): { seq: number; hash: string } | null;
  };
  outboxCounts(): Record<string, number>;
  identity(): { device: string | null; tenant: string | null };
  /** A consistent copy of the database (off the main thread). */
  snapshot(target: string): Promise<void>;
}

type Progress = (done: number, total: number) => void;

export class BackupService {
  constructor(private readonly d: BackupDeps) {
    // A restore applied at this start: the restored chain records it (once).
    const note = takeAppliedNote(d.dataDir);
    if (note) d.audit.append({ actor: 'system', action: 'backup.restored', subject: note.device ?? '', payload: { ...note } });
  }

  async create(passphrase: string, actor: string, onProgress?: Progress): Promise<{ path: string; bytes: number; summary: BackupSummary }> {
    const dir = join(this.d.dataDir, 'exports');
    const r = await createBackup(this.d, { passphrase, dir, createdAt: this.d.clock.now().toISOString(), onProgress });
    this.d.audit.append({ actor, action: 'backup.created', subject: r.path, payload: { bytes: r.bytes, ...r.summary } });
    return r;
  }

  /** Stage a restore (applied at the next start). Only on a device that holds nothing of its own yet. */
  async restore(path: string, passphrase: string, onProgress?: Progress): Promise<{ summary: BackupSummary }> {
    if (!this.d.freshness.isFresh()) {
      throw new BackupRefused('not_fresh', 'This device already has a profile or captured data: restore onto a fresh installation');
    }
    return stageRestore(this.d, { path, passphrase, onProgress });
  }
}
