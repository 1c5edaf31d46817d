// Backup and restore in the renderer: one operation at a time, its progress from 'backup.progress',
// and a refusal in plain words (the reason code stays available for support).
import { create } from 'zustand';
import type { BackupSummary } from '../../../shared/api/backup';
import { call, onEvent } from '../../api/client';

export type BackupOp = { kind: 'backup' | 'restore'; opId: string; done: number; total: number };

interface BackupState {
  running: BackupOp | null;
  made: { path: string; bytes: number; summary: BackupSummary } | null;
  restored: BackupSummary | null;
  error: string | null;
  backUp(passphrase: string): Promise<void>;
  restore(path: string, passphrase: string): Promise<void>;
}

/** What each refusal means for the person restoring. */
export const RESTORE_REFUSALS: Record<string, string> = {
  wrong_passphrase: 'The passphrase does not open this backup.',
  tampered: 'This backup file was changed or damaged after it was written. Use another copy.',
  truncated: 'This backup file is incomplete (it was cut short while copying). Use a complete copy.',
  not_a_backup: 'This file is not a Maestro backup.',
  manifest_mismatch: 'The backup’s content does not match its manifest. Use another copy.',
  not_fresh: 'This device already has a profile or data. Restore onto a fresh installation.',
  keystore_locked: 'Unlock the key vault first.',
};

function plainError(e: unknown): string {
  const err = e as { code?: string; details?: { reason?: string }; message?: string };
  const reason = err.details?.reason;
  return (reason && RESTORE_REFUSALS[reason]) ?? err.message ?? String(e);
}

let seq = 0;
const newOp = (kind: BackupOp['kind']): BackupOp => ({ kind, opId: `${kind}-${Date.now()}-${++seq}`, done: 0, total: 0 });

export const useBackup = create<BackupState>((set, get) => {
  onEvent('backup.progress', (p) => {
    const r = get().running;
    if (r && r.opId === p.opId && p.phase !== 'done') set({ running: { ...r, done: p.done, total: p.total } });
  });
  const run = async <T>(kind: BackupOp['kind'], f: (opId: string) => Promise<T>): Promise<T | null> => {
    const op = newOp(kind);
    set({ running: op, error: null });
    try {
      return await f(op.opId);
    } catch (e) {
      set({ error: plainError(e) });
      return null;
    } finally {
      set({ running: null });
    }
  };
  return {
    running: null,
    made: null,
    restored: null,
    error: null,
    async backUp(passphrase) {
      const r = await run('backup', (opId) => call('backup.create', { passphrase, opId }));
      if (r) set({ made: r });
    },
    async restore(path, passphrase) {
      const r = await run('restore', (opId) => call('backup.restore', { path, passphrase, confirm: true, opId }));
      if (r) set({ restored: r.summary });
    },
  };
});
