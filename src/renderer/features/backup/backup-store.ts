// Backup and restore in the renderer: one operation at a time, its progress from 'backup.progress',
// and a refusal in plain words (the reason code stays available for support).
import { create } from 'zustand';
import type { BackupSummary } from '../../../shared/api/backup';
import { call, onEvent } from '../../api/client';
import { i18next } from '../../i18n';
import { errorMessage } from '../../ui/format';

export type BackupOp = { kind: 'backup' | 'restore'; opId: string; done: number; total: number };

interface BackupState {
  running: BackupOp | null;
  made: { path: string; bytes: number; summary: BackupSummary } | null;
  restored: BackupSummary | null;
  error: string | null;
  backUp(passphrase: string): Promise<void>;
  restore(path: string, passphrase: string): Promise<void>;
}

/** The refusals a restore explains to the person restoring (their words: backup.json, refusal.<reason>). */
export const RESTORE_REFUSALS = ['wrong_passphrase', 'tampered', 'truncated', 'not_a_backup', 'manifest_mismatch', 'not_fresh', 'keystore_locked'] as const;

function plainError(e: unknown): string {
  const err = e as { code?: string; details?: { reason?: string }; message?: string };
  const reason = err.details?.reason;
  if (reason && (RESTORE_REFUSALS as readonly string[]).includes(reason)) return i18next.t(`backup:refusal.${reason}`);
  return errorMessage(e);
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
