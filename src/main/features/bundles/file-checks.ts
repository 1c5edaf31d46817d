// The checks of installed files against what was verified at install: the fast check (size, mtime,
// inode) and the full re-hash.
import { createHash } from 'node:crypto';
import { constants as fsc, lstatSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { BundleRefusal } from '../../../shared/bundles/types';
import { readNoFollow } from './durable-fs';
import type { FileRow, InstallRow } from './install-rows';
import { sha256 } from './verify';

/** Size, mtime and inode against the record; a reason when they differ. */
export function fastCheckFile(dir: string, f: FileRow): string | null {
  let st;
  try {
    st = lstatSync(join(dir, 'targets', f.path), { bigint: true });
  } catch {
    return `${f.path} is missing`;
  }
  if (st.isSymbolicLink() || !st.isFile()) return `${f.path} is no longer a regular file`;
  if (Number(st.size) !== f.length) return `${f.path} changed size (${st.size} vs ${f.length} bytes)`;
  if (Math.floor(Number(st.mtimeMs)) !== f.mtime_ms || st.ino.toString() !== f.ino) return `${f.path} was modified or replaced after verification`;
  return null;
}

/** Re-hash every file (and the stored metadata) of one version against what was verified at install. */
export async function rehashInstall(
  root: string,
  row: InstallRow,
  fileRows: FileRow[],
  progress: (file: string, n: number) => void = () => undefined,
): Promise<{ refusal: { code: BundleRefusal; message: string; path: string | null } | null; files: number; bytes: number }> {
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
    if (got !== want)
      return { refusal: { code: 'BUNDLE_TAMPERED', message: `metadata/${file} changed after it was verified`, path: `metadata/${file}` }, files, bytes };
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
      return {
        refusal: {
          code: 'BUNDLE_TAMPERED',
          message: `${f.path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
          path: f.path,
        },
        files,
        bytes,
      };
    }
    files++;
    bytes += n;
    if (n !== f.length || h.digest('hex') !== f.sha256)
      return { refusal: { code: 'BUNDLE_TAMPERED', message: `${f.path} no longer matches its signed SHA-256`, path: f.path }, files, bytes };
  }
  return { refusal: null, files, bytes };
}
