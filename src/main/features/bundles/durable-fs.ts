// Durable writes (fsync of files and directories) and reads that do not follow a final link: the
// install writes staged bundles through these, and reads verified targets back.
import { closeSync, constants as fsc, fsyncSync, mkdirSync, openSync, readdirSync, fstatSync, readSync, writeSync } from 'node:fs';
import { dirname, join } from 'node:path';

export function fsyncDir(path: string): void {
  try {
    const fd = openSync(path, fsc.O_RDONLY);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms (Windows) cannot open a directory; the rename is still atomic there.
  }
}

export function fsyncTree(dir: string): void {
  for (const e of readdirSync(dir, { withFileTypes: true })) if (e.isDirectory()) fsyncTree(join(dir, e.name));
  fsyncDir(dir);
}

export function writeDurable(path: string, bytes: Buffer): void {
  mkdirSync(dirname(path), { recursive: true });
  const fd = openSync(path, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL, 0o644);
  try {
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Read a file without following a final symlink. */
export function readNoFollow(path: string): Buffer {
  const fd = openSync(path, fsc.O_RDONLY | fsc.O_NOFOLLOW);
  try {
    const st = fstatSync(fd);
    const buf = Buffer.allocUnsafe(st.size);
    let n = 0;
    while (n < st.size) {
      const r = readSync(fd, buf, n, st.size - n, null);
      if (r === 0) break;
      n += r;
    }
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}
