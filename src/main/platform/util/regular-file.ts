// Reading a file a user (or a request) named, without letting the name freeze the app: the path may
// be a FIFO (an open for reading waits for a writer; a read waits for data), a device such as
// /dev/zero (endless bytes), a directory, or a file far larger than the caller can hold. Every
// channel that takes a path opens it here: non-blocking open (so a FIFO cannot hold it), fstat of
// the opened handle (no race with a swapped path), only regular files, and a size cap checked before
// a byte is read and again while reading (a file that grows is cut off, not followed).
import { constants as fsc } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export type FileRefusal = 'not_found' | 'not_a_file' | 'too_large' | 'unreadable';

export class FileRefused extends Error {
  constructor(
    readonly reason: FileRefusal,
    message: string,
    readonly details: { path: string; size?: number; maxBytes?: number } = { path: '' },
  ) {
    super(message);
    this.name = 'FileRefused';
  }
}

const kindOf = (st: { isDirectory(): boolean; isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean }) =>
  st.isDirectory()
    ? 'a folder'
    : st.isFIFO()
      ? 'a pipe'
      : st.isCharacterDevice() || st.isBlockDevice()
        ? 'a device'
        : st.isSocket()
          ? 'a socket'
          : 'not a file';

const mib = (n: number) => `${Math.round((n / (1024 * 1024)) * 10) / 10} MiB`;

export interface RegularFile {
  fh: FileHandle;
  size: number;
}

/** Opens a regular file of at most `maxBytes` bytes for reading; anything else is refused (FileRefused). */
export async function openRegularFile(path: string, maxBytes: number): Promise<RegularFile> {
  let fh: FileHandle;
  try {
    // O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer.
    fh = await open(path, fsc.O_RDONLY | (fsc.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileRefused('not_found', `There is no file at ${path}`, { path });
    if (code === 'EISDIR') throw new FileRefused('not_a_file', `${path} is a folder, not a file`, { path });
    throw new FileRefused('unreadable', `${path} cannot be read (${code ?? (e as Error).message})`, { path });
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileRefused('not_a_file', `${path} is ${kindOf(st)}, not a file`, { path });
    if (st.size > maxBytes)
      throw new FileRefused('too_large', `${path} is ${mib(st.size)}; at most ${mib(maxBytes)} can be read here`, { path, size: st.size, maxBytes });
    return { fh, size: st.size };
  } catch (e) {
    await fh.close().catch(() => {});
    throw e;
  }
}

/** The whole of a regular file of at most `maxBytes` bytes, read asynchronously in pieces. */
export async function readRegularFile(path: string, maxBytes: number): Promise<Buffer> {
  const { fh, size } = await openRegularFile(path, maxBytes);
  try {
    const buf = Buffer.allocUnsafe(size);
    let off = 0;
    while (off < size) {
      const { bytesRead } = await fh.read(buf, off, Math.min(size - off, 1024 * 1024), off);
      if (bytesRead === 0) break; // truncated while reading: what is there is all there is
      off += bytesRead;
    }
    // One more byte means it grew since the stat: refuse rather than read a moving file.
    const extra = await fh.read(Buffer.alloc(1), 0, 1, off);
    if (extra.bytesRead > 0) throw new FileRefused('too_large', `${path} changed while it was read`, { path, size, maxBytes });
    return buf.subarray(0, off);
  } finally {
    await fh.close().catch(() => {});
  }
}

/** A stream of a regular file of at most `maxBytes` bytes (closed when the stream ends or is destroyed). */
export async function streamRegularFile(path: string, maxBytes: number): Promise<{ stream: Readable; size: number }> {
  const { fh, size } = await openRegularFile(path, maxBytes);
  // `end` stops at the size seen at open: a file that keeps growing is not followed.
  return { stream: fh.createReadStream({ start: 0, end: Math.max(0, size - 1), autoClose: true, highWaterMark: 1024 * 1024 }), size };
}
