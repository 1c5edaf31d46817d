// The at-rest format of an attachment file (docs/decisions/0058-attachment-ingest.md):
//
//   header (96 bytes): magic "MAESTRA1" | chunk size u32 BE | reserved u32 | plaintext size u64 BE |
//                      sha256 of the plaintext (32) | salt (32) | reserved (8)
//   then ceil(size / chunk size) chunks (at least one): AES-256-GCM ciphertext | 16-byte tag
//
// Key: HKDF-SHA256(atRestKey, salt, "maestro/attachment/v1") — one key per file, so the per-chunk nonce
// (4 zero bytes | chunk index u64 BE) never repeats under a key. AAD: the whole header (binding the
// attachment digest, size and so the chunk count) | chunk index u32 BE | chunk count u32 BE. A chunk can
// be read and verified alone, so a read from any offset seeks to its chunk; nothing is held whole.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { open, type FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';

export const AT_REST_MAGIC = Buffer.from('MAESTRA1', 'latin1');
export const HEADER_BYTES = 96;
/** Plaintext bytes per chunk: small enough that a seek reads little, large enough that tags cost 0.02 %. */
export const AT_REST_CHUNK_BYTES = 64 * 1024;
const TAG = 16;

export class AttachmentDamaged extends Error {
  readonly code = 'ATTACHMENT_DAMAGED';
  constructor(hashHex: string, why: string) {
    super(`attachment ${hashHex} is damaged on disk: ${why}`);
  }
}

interface Header {
  chunkBytes: number;
  size: number;
  hashHex: string;
  salt: Buffer;
  raw: Buffer;
}

export function encodeHeader(size: number, hashHex: string, chunkBytes = AT_REST_CHUNK_BYTES, salt = randomBytes(32)): Header {
  const raw = Buffer.alloc(HEADER_BYTES);
  AT_REST_MAGIC.copy(raw, 0);
  raw.writeUInt32BE(chunkBytes, 8);
  raw.writeBigUInt64BE(BigInt(size), 16);
  Buffer.from(hashHex, 'hex').copy(raw, 24);
  salt.copy(raw, 56);
  return { chunkBytes, size, hashHex, salt, raw };
}

export function isAtRest(head: Buffer): boolean {
  return head.length >= AT_REST_MAGIC.length && head.subarray(0, AT_REST_MAGIC.length).equals(AT_REST_MAGIC);
}

export function decodeHeader(raw: Buffer, expectHash: string): Header {
  if (raw.length < HEADER_BYTES || !isAtRest(raw)) throw new AttachmentDamaged(expectHash, 'not an encrypted attachment file');
  const chunkBytes = raw.readUInt32BE(8);
  const size = Number(raw.readBigUInt64BE(16));
  const hashHex = raw.subarray(24, 56).toString('hex');
  if (hashHex !== expectHash) throw new AttachmentDamaged(expectHash, 'header names another attachment');
  if (chunkBytes < 1024 || chunkBytes > 16 * 1024 * 1024 || !Number.isSafeInteger(size)) throw new AttachmentDamaged(expectHash, 'bad header');
  return { chunkBytes, size, hashHex, salt: Buffer.from(raw.subarray(56, 88)), raw: Buffer.from(raw.subarray(0, HEADER_BYTES)) };
}

export const chunkCount = (h: Pick<Header, 'size' | 'chunkBytes'>): number => Math.max(1, Math.ceil(h.size / h.chunkBytes));
export const encryptedSize = (h: Pick<Header, 'size' | 'chunkBytes'>): number => HEADER_BYTES + h.size + chunkCount(h) * TAG;

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', key, salt, 'maestro/attachment/v1', 32));
}

function nonce(index: number): Buffer {
  const n = Buffer.alloc(12);
  n.writeBigUInt64BE(BigInt(index), 4);
  return n;
}

function aad(h: Header, index: number, count: number): Buffer {
  const tail = Buffer.alloc(8);
  tail.writeUInt32BE(index, 0);
  tail.writeUInt32BE(count, 4);
  return Buffer.concat([h.raw, tail]);
}

function sealChunk(k: Buffer, h: Header, index: number, plain: Buffer): Buffer {
  const c = createCipheriv('aes-256-gcm', k, nonce(index));
  c.setAAD(aad(h, index, chunkCount(h)));
  return Buffer.concat([c.update(plain), c.final(), c.getAuthTag()]);
}

function openChunk(k: Buffer, h: Header, index: number, sealed: Buffer): Buffer {
  if (sealed.length < TAG) throw new AttachmentDamaged(h.hashHex, `chunk ${index} truncated`);
  const d = createDecipheriv('aes-256-gcm', k, nonce(index));
  d.setAAD(aad(h, index, chunkCount(h)));
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  try {
    const plain = d.update(sealed.subarray(0, sealed.length - TAG));
    const rest = d.final(); // empty for GCM; concatenating would copy every byte once more
    return rest.length === 0 ? plain : Buffer.concat([plain, rest]);
  } catch {
    throw new AttachmentDamaged(h.hashHex, `chunk ${index} fails authentication`);
  }
}

/** Whole-buffer encryption (small files: `AttachmentStore.put`). */
export function sealBuffer(key: Buffer, hashHex: string, bytes: Buffer): Buffer {
  const h = encodeHeader(bytes.length, hashHex);
  const k = fileKey(key, h.salt);
  const parts = [h.raw];
  for (let i = 0; i < chunkCount(h); i++) parts.push(sealChunk(k, h, i, bytes.subarray(i * h.chunkBytes, (i + 1) * h.chunkBytes)));
  return Buffer.concat(parts);
}

/** Whole-buffer decryption and verification (small files: `AttachmentStore.read`). */
export function openBuffer(key: Buffer, hashHex: string, file: Buffer): Buffer {
  const h = decodeHeader(file.subarray(0, HEADER_BYTES), hashHex);
  if (file.length !== encryptedSize(h)) throw new AttachmentDamaged(hashHex, 'wrong length');
  const k = fileKey(key, h.salt);
  const out: Buffer[] = [];
  let at = HEADER_BYTES;
  for (let i = 0; i < chunkCount(h); i++) {
    const len = Math.min(h.chunkBytes, h.size - i * h.chunkBytes) + TAG;
    out.push(openChunk(k, h, i, file.subarray(at, at + len)));
    at += len;
  }
  return Buffer.concat(out);
}

/** A transform that turns plaintext of a known digest and size into the at-rest file, chunk by chunk. */
export function sealStream(key: Buffer, hashHex: string, size: number): Transform {
  const h = encodeHeader(size, hashHex);
  const k = fileKey(key, h.salt);
  let pending: Buffer[] = [];
  let pendingLen = 0;
  let index = 0;
  let seen = 0;
  const flushFull = (t: Transform) => {
    while (pendingLen >= h.chunkBytes) {
      const all = Buffer.concat(pending);
      t.push(sealChunk(k, h, index++, all.subarray(0, h.chunkBytes)));
      pending = [all.subarray(h.chunkBytes)];
      pendingLen = all.length - h.chunkBytes;
    }
  };
  return new Transform({
    construct(done) {
      this.push(h.raw);
      done();
    },
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      seen += chunk.length;
      if (seen > size) return done(new Error('attachment grew while being sealed'));
      pending.push(chunk);
      pendingLen += chunk.length;
      flushFull(this);
      done();
    },
    flush(done: TransformCallback) {
      if (seen !== size) return done(new Error('attachment changed size while being sealed'));
      if (pendingLen > 0 || index === 0) this.push(sealChunk(k, h, index++, Buffer.concat(pending)));
      done();
    },
  });
}

/** Fill `buf` from `position` on; fewer bytes only at the end of the file. */
export async function readFully(fh: FileHandle, buf: Buffer, position: number): Promise<number> {
  let got = 0;
  while (got < buf.length) {
    const { bytesRead } = await fh.read(buf, got, buf.length - got, position + got);
    if (bytesRead === 0) break;
    got += bytesRead;
  }
  return got;
}

/** An open attachment file's header, checked against the digest and the file's length. */
async function readHeader(fh: FileHandle, hashHex: string): Promise<Header> {
  const head = Buffer.alloc(HEADER_BYTES);
  await fh.read(head, 0, HEADER_BYTES, 0);
  const h = decodeHeader(head, hashHex);
  if ((await fh.stat()).size !== encryptedSize(h)) throw new AttachmentDamaged(hashHex, 'wrong length');
  return h;
}

/**
 * Exactly `length` plaintext bytes from `start` (fewer only at the end), as the verified pieces of the
 * chunks they touch, in order: one file read and no copy into one buffer (an upload chunk of several
 * MiB is sealed piece by piece).
 */
export async function readRange(key: Buffer, path: string, hashHex: string, start: number, length: number): Promise<Buffer[]> {
  const fh: FileHandle = await open(path, 'r');
  try {
    const h = await readHeader(fh, hashHex);
    const end = Math.min(h.size, start + Math.max(0, length));
    if (start >= end) return [];
    const k = fileKey(key, h.salt);
    const sealedChunk = h.chunkBytes + TAG;
    const first = Math.floor(start / h.chunkBytes);
    const last = Math.floor((end - 1) / h.chunkBytes);
    const spanStart = HEADER_BYTES + first * sealedChunk;
    const spanLen = (last - first) * sealedChunk + Math.min(h.chunkBytes, h.size - last * h.chunkBytes) + TAG;
    const sealed = Buffer.allocUnsafe(spanLen);
    if ((await readFully(fh, sealed, spanStart)) !== spanLen) throw new AttachmentDamaged(hashHex, `chunks ${first}-${last} truncated`);
    const out: Buffer[] = [];
    for (let i = first; i <= last; i++) {
      const off = (i - first) * sealedChunk;
      const len = Math.min(h.chunkBytes, h.size - i * h.chunkBytes) + TAG;
      const plain = openChunk(k, h, i, sealed.subarray(off, off + len));
      const from = i === first ? start - i * h.chunkBytes : 0;
      const to = i === last ? end - i * h.chunkBytes : plain.length;
      out.push(from === 0 && to === plain.length ? plain : plain.subarray(from, to));
    }
    return out;
  } finally {
    await fh.close();
  }
}

/** The plaintext from `start` on, each chunk verified before any of it is yielded. */
export async function* openRange(key: Buffer, path: string, hashHex: string, start: number): AsyncGenerator<Buffer> {
  const fh: FileHandle = await open(path, 'r');
  try {
    const h = await readHeader(fh, hashHex);
    if (start >= h.size) return;
    const k = fileKey(key, h.salt);
    const sealedChunk = h.chunkBytes + TAG;
    for (let i = Math.floor(start / h.chunkBytes); i < chunkCount(h); i++) {
      const len = Math.min(h.chunkBytes, h.size - i * h.chunkBytes) + TAG;
      const buf = Buffer.alloc(len);
      const { bytesRead } = await fh.read(buf, 0, len, HEADER_BYTES + i * sealedChunk);
      if (bytesRead !== len) throw new AttachmentDamaged(hashHex, `chunk ${i} truncated`);
      const plain = openChunk(k, h, i, buf);
      yield i === Math.floor(start / h.chunkBytes) ? plain.subarray(start - i * h.chunkBytes) : plain;
    }
  } finally {
    await fh.close();
  }
}
