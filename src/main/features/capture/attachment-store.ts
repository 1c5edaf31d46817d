import { hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import type { Readable } from 'node:stream';
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

  has(h: string): boolean {
    return this.db.prepare('SELECT 1 FROM attachments WHERE hash = ?').pluck().get(h) === 1;
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

/** Every `sha256:<hex>` string anywhere in a captured document. */
export function attachmentRefs(data: unknown, out = new Set<string>()): Set<string> {
  if (typeof data === 'string') {
    const m = ATTACHMENT_REF.exec(data);
    if (m) out.add(m[1]!);
  } else if (Array.isArray(data)) data.forEach((d) => attachmentRefs(d, out));
  else if (data && typeof data === 'object') Object.values(data).forEach((d) => attachmentRefs(d, out));
  return out;
}
