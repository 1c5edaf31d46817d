// The backup file: one passphrase-encrypted stream, checked frame by frame.
//
//   MAESTRO-BACKUP/1\n
//   <header: canonical JSON>\n           kdf (scrypt) parameters and salt, frame size, a key check value
//   frame*                               [u32 length][12-byte nonce][ciphertext][16-byte tag]
//
// Each frame is AES-256-GCM under the passphrase-derived key, its AAD binding the header's hash, the
// frame's index and whether it is the last. The frames carry a tar stream (the database snapshot, the
// attachments, the keys, the manifest last); the last frame carries the trailer: the manifest's hash and
// the tar length. So a changed byte anywhere fails a tag (tampered), a file cut short has no last frame
// (truncated), and a wrong passphrase fails the check value before anything is read.
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomBytes,
  scrypt as scryptCb,
  timingSafeEqual,
  type BinaryLike,
  type ScryptOptions,
} from 'node:crypto';
import { canonicalJson } from '../../../shared/canonical';
import { BackupRefused } from './errors';

export const BACKUP_MAGIC = 'MAESTRO-BACKUP/1\n';
/** 1 MiB of the tar stream per frame: small enough to verify as it streams, large enough that the 32 bytes a frame adds are noise. */
export const FRAME_BYTES = 1024 * 1024;
const KDF = { name: 'scrypt', N: 32768, r: 8, p: 1, keyLen: 32 } as const;
const MAX_HEADER = 4096;

export interface BackupHeader {
  v: 1;
  createdAt: string;
  device: string | null;
  tenant: string | null;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; keyLen: number; salt: string };
  frameBytes: number;
  /** HMAC-SHA256(key, "maestro-backup-check"): tells a wrong passphrase from a damaged file. */
  check: string;
}

export interface BackupTrailer {
  manifestSha256: string;
  tarBytes: number;
  frames: number;
}

const scrypt = (pass: BinaryLike, salt: BinaryLike, len: number, o: ScryptOptions) =>
  new Promise<Buffer>((res, rej) => scryptCb(pass, salt, len, o, (e, k) => (e ? rej(e) : res(k))));

const deriveKey = (passphrase: string, kdf: BackupHeader['kdf']) =>
  scrypt(passphrase, Buffer.from(kdf.salt, 'base64'), kdf.keyLen, { N: kdf.N, r: kdf.r, p: kdf.p, maxmem: 128 * kdf.N * kdf.r * 2 });

const checkValue = (key: Buffer) => createHmac('sha256', key).update('maestro-backup-check').digest('base64');

function aad(headerHash: Buffer, index: number, last: boolean): Buffer {
  const b = Buffer.alloc(headerHash.length + 9);
  headerHash.copy(b);
  b.writeBigUInt64BE(BigInt(index), headerHash.length);
  b[headerHash.length + 8] = last ? 1 : 0;
  return b;
}

function seal(key: Buffer, plain: Buffer, ad: Buffer): Buffer {
  const nonce = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(ad);
  const ct = Buffer.concat([c.update(plain), c.final()]);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(ct.length);
  return Buffer.concat([len, nonce, ct, c.getAuthTag()]);
}

export async function newHeader(passphrase: string, meta: { createdAt: string; device: string | null; tenant: string | null }) {
  const kdf = { ...KDF, salt: randomBytes(16).toString('base64') };
  const key = await deriveKey(passphrase, kdf);
  const header: BackupHeader = { v: 1, ...meta, kdf, frameBytes: FRAME_BYTES, check: checkValue(key) };
  return { header, key };
}

/** The tar stream in, the backup file's bytes out: magic, header, frames, and the trailer frame last. */
export async function* sealBackup(header: BackupHeader, key: Buffer, tar: AsyncIterable<Buffer>, trailer: () => Omit<BackupTrailer, 'frames'>) {
  const headerLine = Buffer.from(`${canonicalJson(header)}\n`);
  const headerHash = createHash('sha256').update(headerLine).digest();
  yield Buffer.concat([Buffer.from(BACKUP_MAGIC), headerLine]);
  let index = 0;
  let pending: Buffer[] = [];
  let size = 0;
  for await (const chunk of tar) {
    pending.push(chunk);
    size += chunk.length;
    while (size >= header.frameBytes) {
      const all = Buffer.concat(pending);
      yield seal(key, all.subarray(0, header.frameBytes), aad(headerHash, index++, false));
      pending = [all.subarray(header.frameBytes)];
      size = pending[0]!.length;
    }
  }
  if (size > 0) yield seal(key, Buffer.concat(pending), aad(headerHash, index++, false));
  yield seal(key, Buffer.from(canonicalJson({ ...trailer(), frames: index })), aad(headerHash, index, true));
}

/** Reads bytes from a stream on demand. */
class ByteReader {
  private buf = Buffer.alloc(0);
  private done = false;
  constructor(private readonly it: AsyncIterator<Buffer>) {}
  /** Exactly n bytes, or fewer at the end of the file. */
  async take(n: number): Promise<Buffer> {
    while (this.buf.length < n && !this.done) {
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = Buffer.concat([this.buf, Buffer.from(r.value)]);
    }
    const out = this.buf.subarray(0, n);
    this.buf = this.buf.subarray(out.length);
    return out;
  }
  /** Up to and including the next newline, within max bytes. */
  async line(max: number): Promise<Buffer | null> {
    for (;;) {
      const i = this.buf.indexOf(0x0a);
      if (i >= 0) return this.take(i + 1);
      if (this.done || this.buf.length > max) return null;
      const r = await this.it.next();
      if (r.done) this.done = true;
      else this.buf = Buffer.concat([this.buf, Buffer.from(r.value)]);
    }
  }
}

function parseHeader(line: Buffer | null): BackupHeader {
  if (!line) throw new BackupRefused('not_a_backup', 'The file has no backup header');
  try {
    const h = JSON.parse(line.toString('utf8')) as BackupHeader;
    const k = h?.kdf;
    const ok =
      h.v === 1 &&
      k?.name === 'scrypt' &&
      [k.N, k.r, k.p, k.keyLen, h.frameBytes].every((n) => Number.isInteger(n) && n > 0) &&
      k.N <= 1 << 20 &&
      k.r <= 32 &&
      k.p <= 16 &&
      k.keyLen === 32 &&
      h.frameBytes <= 64 * 1024 * 1024 &&
      typeof k.salt === 'string' &&
      typeof h.check === 'string';
    if (!ok) throw new Error('fields');
    return h;
  } catch {
    throw new BackupRefused('tampered', 'The backup header is damaged or was altered');
  }
}

/**
 * Open a backup: check the magic and the passphrase, then yield the tar stream frame by frame, each
 * verified before it is yielded. Ends by checking the trailer frame; `trailer()` is valid after that.
 */
export async function openBackup(source: AsyncIterable<Buffer>, passphrase: string) {
  const r = new ByteReader(source[Symbol.asyncIterator]());
  const magic = await r.take(BACKUP_MAGIC.length);
  if (magic.toString('latin1') !== BACKUP_MAGIC) throw new BackupRefused('not_a_backup', 'This file is not a Maestro backup');
  const headerLine = await r.line(MAX_HEADER);
  const header = parseHeader(headerLine);
  const key = await deriveKey(passphrase, header.kdf);
  const expected = Buffer.from(checkValue(key));
  const got = Buffer.from(header.check);
  if (expected.length !== got.length || !timingSafeEqual(expected, got)) {
    throw new BackupRefused('wrong_passphrase', 'The passphrase does not open this backup (or its header was altered)');
  }
  const headerHash = createHash('sha256').update(headerLine!).digest();
  let trailer: BackupTrailer | null = null;
  async function* frames(): AsyncGenerator<Buffer> {
    for (let index = 0; ; index++) {
      const len = await r.take(4);
      if (len.length === 0) throw new BackupRefused('truncated', `The backup ends after ${index} frames without its closing frame: it was cut short`);
      if (len.length < 4) throw new BackupRefused('truncated', 'The backup is cut short inside a frame');
      const n = len.readUInt32BE();
      if (n > header.frameBytes + 1024) throw new BackupRefused('tampered', `Frame ${index} has an impossible length`);
      const body = await r.take(12 + n + 16);
      if (body.length < 12 + n + 16) throw new BackupRefused('truncated', `The backup is cut short inside frame ${index}`);
      const plain = openFrame(key, body, n, headerHash, index);
      if (plain.last) {
        trailer = parseTrailer(plain.bytes, index);
        if ((await r.take(1)).length > 0) throw new BackupRefused('tampered', 'Bytes follow the closing frame');
        return;
      }
      yield plain.bytes;
    }
  }
  return { header, frames: frames(), trailer: () => trailer };
}

function openFrame(key: Buffer, body: Buffer, n: number, headerHash: Buffer, index: number): { bytes: Buffer; last: boolean } {
  // The last flag is not stored: a frame opens under exactly one of the two AADs.
  for (const last of [false, true]) {
    try {
      const d = createDecipheriv('aes-256-gcm', key, body.subarray(0, 12));
      d.setAAD(aad(headerHash, index, last));
      d.setAuthTag(body.subarray(12 + n));
      return { bytes: Buffer.concat([d.update(body.subarray(12, 12 + n)), d.final()]), last };
    } catch {
      // try the other flag
    }
  }
  throw new BackupRefused('tampered', `Frame ${index} fails its check: the file was altered or damaged`);
}

function parseTrailer(bytes: Buffer, frames: number): BackupTrailer {
  const t = JSON.parse(bytes.toString('utf8')) as BackupTrailer;
  if (t.frames !== frames) throw new BackupRefused('tampered', `The closing frame counts ${t.frames} frames, the file has ${frames}`);
  return t;
}
