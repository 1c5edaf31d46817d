import { createCipheriv, createDecipheriv, createHash, hash, randomBytes } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { Db } from '../../platform/db/connection';
import { AttachmentDamaged, HEADER_BYTES, isAtRest, openBuffer, openRange, readFully, readRange, sealBuffer, sealStream } from './at-rest-file';

export const ATTACHMENT_REF = /^sha256:([0-9a-f]{64})$/;

type Stored = { hash: string; size: number; ref: string };

/**
 * Content-addressed attachment files (`attachments/<sha256>`), listed in SQLite. With `atRestKey` every
 * file is written in the chunked AES-256-GCM format of ./at-rest-file.ts; without one (a legacy profile
 * not yet given a key) files stay plaintext as before. Reads accept both, so a profile can be migrated
 * (`encryptLegacyFiles`) file by file.
 */
export class AttachmentStore {
  private readonly dir: string;
  constructor(
    private readonly db: Db,
    dataDir: string,
    private readonly atRestKey?: Buffer,
  ) {
    this.dir = join(dataDir, 'attachments');
    // Temp files of an interrupted write are unreadable leftovers (their staging key died with the process).
    if (existsSync(this.dir)) for (const f of readdirSync(this.dir)) if (f.endsWith('.tmp')) rmSync(join(this.dir, f), { force: true });
  }

  get encrypted(): boolean {
    return this.atRestKey !== undefined;
  }

  put(bytes: Buffer, name: string, mime: string, nowIso: string): Stored {
    const h = hash('sha256', bytes, 'hex');
    const path = join(this.dir, h);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const tmp = join(this.dir, `.put-${randomBytes(8).toString('hex')}.tmp`);
      writeFileSync(tmp, this.atRestKey ? sealBuffer(this.atRestKey, h, bytes) : bytes, { mode: 0o600 });
      renameSync(tmp, path); // the file appears whole or not at all
    }
    this.record(h, mime, bytes.length, name, nowIso);
    return { hash: h, size: bytes.length, ref: `sha256:${h}` };
  }

  private record(h: string, mime: string, size: number, name: string, nowIso: string): void {
    this.db
      .prepare('INSERT INTO attachments (hash, mime, size, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING')
      .run(h, mime, size, name, nowIso);
  }

  /**
   * Store a stream (never held whole): hashed while written to a temp file, renamed into place. With
   * `expectedHash` (a download), a mismatch stores nothing. Over `maxBytes` stores nothing. Encrypted:
   * the first pass stages the bytes under a one-off AES-CTR key (the digest the at-rest format binds is
   * not known until the end), the second seals them into place.
   */
  async putStream(
    source: Readable,
    meta: { name: string; mime: string; nowIso: string },
    opts: { expectedHash?: string; maxBytes?: number } = {},
  ): Promise<Stored> {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    const tmp = join(this.dir, `.in-${randomBytes(8).toString('hex')}.tmp`);
    const sealed = `${tmp}.sealed.tmp`;
    const stage = { key: randomBytes(32), iv: randomBytes(16) };
    const { meter, hex, size: sized } = digestOf(opts.maxBytes);
    try {
      if (this.atRestKey) await pipeline(source, meter, createCipheriv('aes-256-ctr', stage.key, stage.iv), createWriteStream(tmp, { mode: 0o600 }));
      else await pipeline(source, meter, createWriteStream(tmp, { mode: 0o600 }));
      const h = hex();
      const size = sized();
      if (opts.expectedHash && opts.expectedHash !== h) throw new Error(`attachment digest mismatch: expected ${opts.expectedHash}, got ${h}`);
      if (!existsSync(join(this.dir, h))) {
        if (this.atRestKey) {
          await pipeline(
            createReadStream(tmp),
            createDecipheriv('aes-256-ctr', stage.key, stage.iv),
            sealStream(this.atRestKey, h, size),
            createWriteStream(sealed, { mode: 0o600 }),
          );
          renameSync(sealed, join(this.dir, h));
        } else renameSync(tmp, join(this.dir, h)); // the file appears whole or not at all
      }
      this.record(h, meta.mime, size, meta.name, meta.nowIso);
      return { hash: h, size, ref: `sha256:${h}` };
    } finally {
      rmSync(tmp, { force: true });
      rmSync(sealed, { force: true });
    }
  }

  /**
   * Store what `open()` yields, opening it twice (it must give the same bytes each time, e.g. a staged
   * upload): once to hash and measure it, once to seal it into place. One write instead of putStream's
   * two when sealing. Over `maxBytes`, or bytes that differ between the two reads, store nothing.
   */
  async putReplayable(open: () => Readable, meta: { name: string; mime: string; nowIso: string }, opts: { maxBytes?: number } = {}): Promise<Stored> {
    const key = this.atRestKey;
    if (!key) return this.putStream(open(), meta, opts);
    const first = digestOf(opts.maxBytes);
    await pipeline(open(), first.meter, new Writable({ write: (_c, _e, done) => done() }));
    const h = first.hex();
    const path = join(this.dir, h);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true, mode: 0o700 });
      const sealed = join(this.dir, `.seal-${randomBytes(8).toString('hex')}.tmp`);
      try {
        const second = digestOf();
        await pipeline(open(), second.meter, sealStream(key, h, first.size()), createWriteStream(sealed, { mode: 0o600 }));
        if (second.hex() !== h) throw new Error('attachment source changed between reads; nothing stored');
        renameSync(sealed, path);
      } finally {
        rmSync(sealed, { force: true });
      }
    }
    this.record(h, meta.mime, first.size(), meta.name, meta.nowIso);
    return { hash: h, size: first.size(), ref: `sha256:${h}` };
  }

  has(h: string): boolean {
    return this.db.prepare('SELECT 1 FROM attachments WHERE hash = ?').pluck().get(h) === 1;
  }

  /** Every stored attachment, oldest first (a backup carries them all). */
  list(): { hash: string; size: number; mime: string; name: string }[] {
    return this.db.prepare('SELECT hash, size, mime, name FROM attachments ORDER BY created_at, hash').all() as {
      hash: string;
      size: number;
      mime: string;
      name: string;
    }[];
  }

  /** What is known of a stored attachment (null: none stored under this hash). */
  stat(h: string): { size: number; mime: string; name: string } | null {
    return (
      (this.db.prepare('SELECT size, mime, name FROM attachments WHERE hash = ?').get(h) as { size: number; mime: string; name: string } | undefined) ?? null
    );
  }

  private fileIsAtRest(h: string): boolean {
    if (!existsSync(join(this.dir, h))) return false; // a missing file errors where it is read, as before
    const fd = openSync(join(this.dir, h), 'r');
    try {
      const head = Buffer.alloc(HEADER_BYTES);
      return isAtRest(head.subarray(0, readSync(fd, head, 0, HEADER_BYTES, 0)));
    } finally {
      closeSync(fd);
    }
  }

  /**
   * The plaintext bytes from `start` on, streamed (never held whole). An encrypted file is read from the
   * chunk holding `start`, every chunk authenticated before it is passed on (a damaged one errors the
   * stream with AttachmentDamaged); callers verify the whole digest where it matters.
   */
  openRead(h: string, start = 0): Readable {
    if (!this.stat(h)) throw new Error(`attachment ${h} unknown`);
    const path = join(this.dir, h);
    if (this.fileIsAtRest(h)) {
      if (!this.atRestKey) throw new AttachmentDamaged(h, 'encrypted, and this device has no at-rest key');
      return Readable.from(openRange(this.atRestKey, path, h, start), { objectMode: false });
    }
    return createReadStream(path, { start });
  }

  /**
   * Exactly `length` plaintext bytes from `start` (fewer only at the end of the file), read in one go
   * and given as pieces in order: what an upload chunk needs, with no stream of small reads and no
   * copy into one buffer. Encrypted spans are verified.
   */
  async readRange(h: string, start: number, length: number): Promise<Buffer[]> {
    if (!this.stat(h)) throw new Error(`attachment ${h} unknown`);
    const path = join(this.dir, h);
    if (this.fileIsAtRest(h)) {
      if (!this.atRestKey) throw new AttachmentDamaged(h, 'encrypted, and this device has no at-rest key');
      return readRange(this.atRestKey, path, h, start, length);
    }
    const fh = await open(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      return [buf.subarray(0, await readFully(fh, buf, start))];
    } finally {
      await fh.close();
    }
  }

  read(h: string): { bytes: Buffer; mime: string; name: string } {
    const meta = this.db.prepare('SELECT mime, name FROM attachments WHERE hash = ?').get(h) as { mime: string; name: string } | undefined;
    if (!meta) throw new Error(`attachment ${h} unknown`);
    const file = readFileSync(join(this.dir, h));
    let bytes: Buffer = file;
    if (isAtRest(file)) {
      if (!this.atRestKey) throw new AttachmentDamaged(h, 'encrypted, and this device has no at-rest key');
      bytes = openBuffer(this.atRestKey, h, file);
    }
    if (hash('sha256', bytes, 'hex') !== h) throw new AttachmentDamaged(h, 'digest does not match');
    return { bytes, ...meta };
  }

  /** Re-write plaintext (legacy) files in the encrypted format, one at a time; returns how many. */
  async encryptLegacyFiles(): Promise<number> {
    if (!this.atRestKey) return 0;
    let n = 0;
    for (const h of this.db.prepare('SELECT hash FROM attachments').pluck().all() as string[]) {
      if (!existsSync(join(this.dir, h)) || this.fileIsAtRest(h)) continue;
      const size = this.stat(h)!.size;
      const tmp = join(this.dir, `.legacy-${randomBytes(8).toString('hex')}.tmp`);
      const check = digestOf();
      try {
        await pipeline(createReadStream(join(this.dir, h)), check.meter, sealStream(this.atRestKey, h, size), createWriteStream(tmp, { mode: 0o600 }));
        if (check.hex() !== h) throw new AttachmentDamaged(h, 'digest does not match');
        renameSync(tmp, join(this.dir, h));
        n++;
      } finally {
        rmSync(tmp, { force: true });
      }
    }
    return n;
  }
}

/** A pass-through that hashes and counts, refusing more than `maxBytes`. */
function digestOf(maxBytes?: number): { meter: Transform; hex(): string; size(): number } {
  const digest = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      size += chunk.length;
      if (maxBytes !== undefined && size > maxBytes) return done(new AttachmentTooLarge(maxBytes));
      digest.update(chunk);
      done(null, chunk);
    },
  });
  return { meter, hex: () => digest.digest('hex'), size: () => size };
}

export class AttachmentTooLarge extends Error {
  constructor(readonly maxBytes: number) {
    super(`attachment is larger than ${maxBytes} bytes`);
  }
}

/** Every `sha256:<hex>` string anywhere in a captured document. */
export function attachmentRefs(data: unknown, out = new Set<string>()): Set<string> {
  if (typeof data === 'string') {
    const m = ATTACHMENT_REF.exec(data);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(data)) data.forEach((d) => attachmentRefs(d, out));
  else if (data && typeof data === 'object') Object.values(data).forEach((d) => attachmentRefs(d, out));
  return out;
}
