// Finishing a staged restore at start, before the database is opened. Every step can be repeated: a
// start killed half-way finds the READY marker still there and completes it. The staged database is
// renamed over the old one last (the commit point); until then the old profile is intact.
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SecretStore } from '../../platform/keys/index';
import { READY_FILE, STAGED_SECRET, STAGING_DIR } from './restore';

export const APPLIED_FILE = 'restore-applied.json';

export type ApplyResult = { applied: true; device: string | null; manifestSha256: string } | { applied: false; reason: 'none' | 'keystore_locked' };

/** A verified restore is staged and waits for the next start. */
export const hasPendingRestore = (dataDir: string): boolean => existsSync(join(dataDir, STAGING_DIR, READY_FILE));

export async function applyPendingRestore(dataDir: string, dbFile: string, secrets: SecretStore): Promise<ApplyResult> {
  const dir = join(dataDir, STAGING_DIR);
  const ready = join(dir, READY_FILE);
  if (!existsSync(ready)) {
    // A restore that never finished staging: nothing of it was used.
    rmSync(dir, { recursive: true, force: true });
    return { applied: false, reason: 'none' };
  }
  if (secrets.isLocked()) return { applied: false, reason: 'keystore_locked' };
  const m = JSON.parse(readFileSync(ready, 'utf8')) as { secrets: string[]; manifestSha256: string; device: string | null; createdAt: string };
  for (const name of m.secrets) {
    const v = await secrets.get(`${STAGED_SECRET}${name}`);
    if (v !== null) await secrets.set(name, v);
  }
  if (existsSync(join(dir, 'attachments'))) {
    rmSync(join(dataDir, 'attachments'), { recursive: true, force: true });
    renameSync(join(dir, 'attachments'), join(dataDir, 'attachments'));
  }
  const staged = join(dir, 'maestro.db');
  if (existsSync(staged)) {
    const db = join(dataDir, dbFile);
    rmSync(`${db}-wal`, { force: true });
    rmSync(`${db}-shm`, { force: true });
    renameSync(staged, db);
  }
  writeFileSync(join(dataDir, APPLIED_FILE), JSON.stringify({ manifestSha256: m.manifestSha256, device: m.device, backupCreatedAt: m.createdAt }));
  rmSync(dir, { recursive: true, force: true });
  for (const name of m.secrets) await secrets.delete(`${STAGED_SECRET}${name}`);
  return { applied: true, device: m.device, manifestSha256: m.manifestSha256 };
}

/** After a restore was applied: what the new start audits once (then the note is gone). */
export function takeAppliedNote(dataDir: string): { manifestSha256: string; device: string | null; backupCreatedAt: string } | null {
  const p = join(dataDir, APPLIED_FILE);
  if (!existsSync(p)) return null;
  const note = JSON.parse(readFileSync(p, 'utf8')) as { manifestSha256: string; device: string | null; backupCreatedAt: string };
  rmSync(p, { force: true });
  return note;
}
