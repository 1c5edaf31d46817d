// Real-size attachment files for the chunked-upload tests: random bytes written to disk in pieces
// (never whole in memory), their digest, a streamed byte-for-byte comparison, and a byte search.
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, openSync, readdirSync, readSync, closeSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

const PIECE = 1024 * 1024;

/** A file of `size` random bytes (with `marker` written at its start, if given); its sha256. */
export function randomFile(path: string, size: number, marker?: Buffer): string {
  const fd = openSync(path, 'w');
  const h = createHash('sha256');
  try {
    for (let at = 0; at < size; at += PIECE) {
      const piece = randomBytes(Math.min(PIECE, size - at));
      if (at === 0 && marker) marker.copy(piece, 0, 0, Math.min(marker.length, piece.length));
      h.update(piece);
      writeSync(fd, piece);
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

async function* pieces(r: Readable): AsyncGenerator<Buffer> {
  for await (const c of r) yield c as Buffer;
}

/** Both streams carry exactly the same bytes (compared as they flow, never whole in memory). */
export async function sameBytes(a: Readable, path: string): Promise<boolean> {
  const fd = openSync(path, 'r');
  let at = 0;
  try {
    for await (const piece of pieces(a)) {
      const other = Buffer.alloc(piece.length);
      const n = readSync(fd, other, 0, piece.length, at);
      if (n !== piece.length || !other.equals(piece)) return false;
      at += n;
    }
    return at === statSync(path).size;
  } finally {
    closeSync(fd);
  }
}

/** Every file under `dir`, recursively. */
export function listFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? listFiles(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** Every file under `dir` (recursively) that contains `needle`. */
export async function filesContaining(dir: string, needle: Buffer): Promise<string[]> {
  const hits: string[] = [];
  const walk = async (d: string): Promise<void> => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && (await fileContains(p, needle))) hits.push(p);
    }
  };
  await walk(dir);
  return hits;
}

async function fileContains(path: string, needle: Buffer): Promise<boolean> {
  let tail = Buffer.alloc(0);
  for await (const c of createReadStream(path, { highWaterMark: PIECE })) {
    const buf = Buffer.concat([tail, c as Buffer]);
    if (buf.includes(needle)) return true;
    tail = buf.subarray(Math.max(0, buf.length - needle.length + 1));
  }
  return false;
}
