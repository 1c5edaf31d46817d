import { createHash, hash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { join } from 'node:path';
import type { Db } from '../../platform/db/connection';

export const ATTACHMENT_REF = /^sha256:([0-9a-f]{64})$/;
export { MAX_ATTACHMENT_BYTES } from '../../../shared/api/types';

/** Content-addressed attachment files (`attachments/<sha256>`), listed in SQLite. */
export class AttachmentStore {
  private readonly dir: string;
  constructor(
    private readonly db: Db,
    dataDir: string,
  ) {
    this.dir = join(dataDir, 'attachments');
  }

  put(bytes: Buffer, name: string, mime: string, nowIso: string): { hash: string; size: number; ref: string } {
    const h = hash('sha256', bytes, 'hex');
    const path = join(this.dir, h);
    if (!existsSync(path)) {
      mkdirSync(this.dir, { recursive: true });
      const tmp = `${path}.tmp`;
      writeFileSync(tmp, bytes);
      renameSync(tmp, path); // the file appears whole or not at all
    }
    this.db
      .prepare('INSERT INTO attachments (hash, mime, size, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING')
      .run(h, mime, bytes.length, name, nowIso);
    return { hash: h, size: bytes.length, ref: `sha256:${h}` };
  }

  /**
   * Store a stream (never held whole): hashed while written to a temp file, renamed into place. With
   * `expectedHash` (a download), a mismatch stores nothing. Over `maxBytes` stores nothing.
   */
  async putStream(
    source: Readable,
    meta: { name: string; mime: string; nowIso: string },
    opts: { expectedHash?: string; maxBytes?: number } = {},
  ): Promise<{ hash: string; size: number; ref: string }> {
    mkdirSync(this.dir, { recursive: true });
    const tmp = join(this.dir, `.in-${randomBytes(8).toString('hex')}.tmp`);
    const digest = createHash('sha256');
    let size = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        if (opts.maxBytes !== undefined && size > opts.maxBytes) return done(new AttachmentTooLarge(opts.maxBytes));
        digest.update(chunk);
        done(null, chunk);
      },
    });
    try {
      await pipeline(source, meter, createWriteStream(tmp));
      const h = digest.digest('hex');
      if (opts.expectedHash && opts.expectedHash !== h) throw new Error(`attachment digest mismatch: expected ${opts.expectedHash}, got ${h}`);
      if (existsSync(join(this.dir, h))) rmSync(tmp);
      else renameSync(tmp, join(this.dir, h)); // the file appears whole or not at all
      this.db
        .prepare('INSERT INTO attachments (hash, mime, size, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(hash) DO NOTHING')
        .run(h, meta.mime, size, meta.name, meta.nowIso);
      return { hash: h, size, ref: `sha256:${h}` };
    } finally {
      rmSync(tmp, { force: true });
    }
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

  /** The plaintext bytes from `start` on, streamed (never held whole); callers verify the digest where it matters. */
  openRead(h: string, start = 0): Readable {
    if (!this.stat(h)) throw new Error(`attachment ${h} unknown`);
    return createReadStream(join(this.dir, h), { start });
  }

  read(h: string): { bytes: Buffer; mime: string; name: string } {
    const meta = this.db.prepare('SELECT mime, name FROM attachments WHERE hash = ?').get(h) as { mime: string; name: string } | undefined;
    if (!meta) throw new Error(`attachment ${h} unknown`);
    const bytes = readFileSync(join(this.dir, h));
    if (hash('sha256', bytes, 'hex') !== h) throw new Error(`attachment ${h} is damaged on disk`);
    return { bytes, ...meta };
  }
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
