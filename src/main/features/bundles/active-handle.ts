// The handle of one installed, unquarantined version: its files read only after a check against what
// was verified at install (the full hash on read, the fast check for a path handed out). A mismatch
// quarantines the version (BundleStore.quarantine) and refuses the read.
import { join } from 'node:path';
import { BundleError } from '../../../shared/bundles/errors';
import type { BundleInfo } from '../../../shared/bundles/types';
import { readNoFollow } from './durable-fs';
import { fastCheckFile, hashMismatch, tamperReason, type TamperReason } from './file-checks';
import type { FileRow, InstallRow } from './install-rows';
import type { ActiveBundle } from './types';
import { sha256 } from './verify';

type Quarantine = (id: number, reason: TamperReason, path: string | null) => void;

export function activeHandle(row: InstallRow, fileRows: FileRow[], dir: string, quarantine: Quarantine): ActiveBundle {
  const files = new Map(fileRows.map((f) => [f.path, f]));
  const info = JSON.parse(row.info) as BundleInfo;
  const fileOf = (path: string): FileRow => {
    const f = files.get(path);
    if (!f) throw new BundleError('BUNDLE_MISSING_FILE', `${row.name} ${row.version} has no target ${path}`, { path });
    return f;
  };
  return {
    id: row.id,
    info,
    dir,
    files: () => [...files.keys()],
    read: (path) => {
      const f = fileOf(path);
      let buf: Buffer;
      try {
        buf = readNoFollow(join(dir, 'targets', path));
      } catch (e) {
        const detail = (e as Error).message;
        quarantine(row.id, tamperReason('cannot_read', { path, detail }, `cannot read ${path}: ${detail}`), path);
        throw new BundleError('BUNDLE_TAMPERED', `${row.name} ${row.version}: ${path} cannot be read; the version is quarantined`, { path });
      }
      if (buf.length !== f.length || sha256(buf) !== f.sha256) {
        quarantine(row.id, hashMismatch(path), path);
        throw new BundleError('BUNDLE_TAMPERED', `${row.name} ${row.version}: ${path} changed after it was verified; the version is quarantined`, { path });
      }
      return buf;
    },
    pathOf: (path) => {
      const f = fileOf(path);
      const bad = fastCheckFile(dir, f);
      if (bad) {
        quarantine(row.id, bad, path);
        throw new BundleError('BUNDLE_TAMPERED', `${row.name} ${row.version}: ${bad.text}; the version is quarantined`, { path });
      }
      return join(dir, 'targets', path);
    },
    sha256: (path) => fileOf(path).sha256,
  };
}
