// The checks of installed files against what was verified at install: the fast check (size, mtime,
// inode) and the full re-hash.
import { createHash } from 'node:crypto';
import { constants as fsc, lstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleRefusal } from '../../../shared/bundles/types';
import { msg, type Message } from '../../../shared/messages';
import { readNoFollow } from './durable-fs';
import type { FileRow, InstallRow } from './install-rows';
import { sha256 } from './verify';

/**
 * Why a version is quarantined: `text`, the English of logs and the decision card, and `message`, the
 * same as a message (`refusals.tamper.*`, decision 0030) that the alert and the Sealed view show, and
 * that the install row stores. Sizes and offsets stay as written (digits, no grouping).
 */
export interface TamperReason {
  text: string;
  message: Message;
}

export const tamperReason = (key: string, params: Record<string, string | number>, text: string): TamperReason => ({
  text,
  message: msg(`refusals.tamper.${key}`, Object.fromEntries(Object.entries(params).map(([k, v]) => [k, String(v)]))),
});

/** "{path} no longer matches its signed SHA-256" */
export const hashMismatch = (path: string): TamperReason => tamperReason('hash', { path }, `${path} no longer matches its signed SHA-256`);

/** Size, mtime and inode against the record; a reason when they differ. */
export function fastCheckFile(dir: string, f: FileRow): TamperReason | null {
  let st;
  try {
    st = lstatSync(join(dir, 'targets', f.path), { bigint: true });
  } catch {
    return tamperReason('missing', { path: f.path }, `${f.path} is missing`);
  }
  if (st.isSymbolicLink() || !st.isFile()) return tamperReason('not_regular', { path: f.path }, `${f.path} is no longer a regular file`);
  if (Number(st.size) !== f.length)
    return tamperReason('size', { path: f.path, size: st.size.toString(), expected: f.length }, `${f.path} changed size (${st.size} vs ${f.length} bytes)`);
  if (Math.floor(Number(st.mtimeMs)) !== f.mtime_ms || st.ino.toString() !== f.ino)
    return tamperReason('modified', { path: f.path }, `${f.path} was modified or replaced after verification`);
  return null;
}

/** Re-hash every file (and the stored metadata) of one version against what was verified at install. */
export async function rehashInstall(
  root: string,
  row: InstallRow,
  fileRows: FileRow[],
  progress: (file: string, n: number) => void = () => undefined,
): Promise<{ refusal: { code: BundleRefusal; message: string; path: string | null; why: TamperReason } | null; files: number; bytes: number }> {
  const dir = join(root, row.dir);
  let files = 0;
  let bytes = 0;
  for (const [file, want] of [
    ['targets.json', row.targets_sha256],
    ['timestamp.json', row.timestamp_sha256],
  ] as const) {
    let got: string;
    try {
      got = sha256(readNoFollow(join(dir, 'metadata', file)));
    } catch {
      got = '';
    }
    if (got !== want) {
      const why = tamperReason('changed', { path: `metadata/${file}` }, `metadata/${file} changed after it was verified`);
      return { refusal: { code: 'BUNDLE_TAMPERED', message: why.text, path: `metadata/${file}`, why }, files, bytes };
    }
  }
  for (const f of fileRows) {
    const h = createHash('sha256');
    let n = 0;
    try {
      const fh = await open(join(dir, 'targets', f.path), fsc.O_RDONLY | fsc.O_NOFOLLOW);
      try {
        for await (const c of fh.createReadStream({ highWaterMark: 1024 * 1024, autoClose: false })) {
          h.update(c as Buffer);
          n += (c as Buffer).length;
          progress(f.path, (c as Buffer).length);
        }
      } finally {
        await fh.close();
      }
    } catch (e) {
      const detail = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      const why = tamperReason('unreadable', { path: f.path, detail }, `${f.path} cannot be read (${detail})`);
      return { refusal: { code: 'BUNDLE_TAMPERED', message: why.text, path: f.path, why }, files, bytes };
    }
    files++;
    bytes += n;
    if (n !== f.length || h.digest('hex') !== f.sha256) {
      const why = hashMismatch(f.path);
      return { refusal: { code: 'BUNDLE_TAMPERED', message: why.text, path: f.path, why }, files, bytes };
    }
  }
  return { refusal: null, files, bytes };
}
