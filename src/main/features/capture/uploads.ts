// Chunked ingest of a file from the renderer (attachments.upload.*; docs/decisions/0018-attachment-ingest.md).
// Chunks arrive in order, each checked against its own sha256 before it is appended to a staging file,
// which is written under a one-off AES-CTR key held only in memory (no plaintext ever lands on disk, and a
// staging file left by a crash is unreadable). A renderer reload resumes: begin with the same resumeKey
// answers the open session and the next chunk it wants. Finish checks the digest of the chunk digests,
// then streams the staged bytes through location stripping into the attachment store (which hashes and
// seals them). Nothing is ever held whole.
import { createCipheriv, createDecipheriv, createHash, hash, randomBytes, type Cipher } from 'node:crypto';
import { appendFileSync, createReadStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../../../shared/errors';
import { UPLOAD_CHUNK_BYTES } from '../../../shared/api/capture';
import type { AttachmentRule } from '../../../shared/capture/attachment-rules';
import type { AttachmentStore } from './attachment-store';
import { AttachmentTooLarge } from './attachment-store';
import { stripLocationStream } from './location-strip';

const MAX_OPEN = 16;
const IDLE_MS = 60 * 60 * 1000;

export interface UploadState {
  id: string;
  chunkBytes: number;
  nextIndex: number;
  received: number;
}

interface Session {
  id: string;
  resumeKey: string;
  name: string;
  mime: string;
  size: number;
  rule: AttachmentRule;
  path: string;
  key: Buffer;
  iv: Buffer;
  cipher: Cipher;
  digests: Buffer[];
  received: number;
  touched: number;
  busy: boolean;
}

const mibOf = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;

/** A file over its cap: the English for logs, and `file_too_large` with the sizes in MiB for the UI (errors.VALIDATION_ERROR.*). */
export function tooLarge(size: number, max: number): ApiError {
  return new ApiError('VALIDATION_ERROR', `This file is ${mibOf(size)} MiB; files here are limited to ${mibOf(max)} MiB.`, {
    reason: 'file_too_large',
    sizeMiB: mibOf(size),
    maxMiB: mibOf(max),
    size,
    maxBytes: max,
  });
}

export class UploadSessions {
  private readonly sessions = new Map<string, Session>();
  private readonly dir: string;
  constructor(
    private readonly store: AttachmentStore,
    dataDir: string,
    private readonly now: () => string,
  ) {
    this.dir = join(dataDir, 'attachments');
  }

  private state(s: Session): UploadState {
    return { id: s.id, chunkBytes: UPLOAD_CHUNK_BYTES, nextIndex: s.digests.length, received: s.received };
  }

  begin(input: { name: string; mime: string; size: number; resumeKey: string }, rule: AttachmentRule): UploadState {
    if (input.size > rule.maxBytes) throw tooLarge(input.size, rule.maxBytes);
    this.expire();
    const open = [...this.sessions.values()].find((s) => s.resumeKey === input.resumeKey);
    if (open && open.size === input.size && open.name === input.name && open.rule.keepLocation === rule.keepLocation) {
      open.touched = Date.now();
      return this.state(open);
    }
    if (open) this.drop(open);
    if (this.sessions.size >= MAX_OPEN)
      throw new ApiError('CONFLICT', `At most ${MAX_OPEN} files can be on their way in at once`, { reason: 'too_many_uploads', max: MAX_OPEN });
    mkdirSync(this.dir, { recursive: true });
    const id = randomBytes(12).toString('hex');
    const key = randomBytes(32);
    const iv = randomBytes(16);
    const s: Session = {
      id,
      ...input,
      rule,
      path: join(this.dir, `.upload-${id}.tmp`),
      key,
      iv,
      cipher: createCipheriv('aes-256-ctr', key, iv),
      digests: [],
      received: 0,
      touched: Date.now(),
      busy: false,
    };
    this.sessions.set(id, s);
    return this.state(s);
  }

  private get(id: string): Session {
    const s = this.sessions.get(id);
    if (!s) throw new ApiError('NOT_FOUND', 'No such upload (it finished, was aborted, or the app restarted): begin again', { reason: 'upload' });
    s.touched = Date.now();
    return s;
  }

  chunk(input: { id: string; index: number; sha256: string; dataBase64: string }): UploadState {
    const s = this.get(input.id);
    const bytes = Buffer.from(input.dataBase64, 'base64');
    const digest = hash('sha256', bytes, 'hex');
    if (digest !== input.sha256)
      throw new ApiError('VALIDATION_ERROR', `Chunk ${input.index} arrived damaged (digest mismatch); send it again`, {
        reason: 'chunk_damaged',
        index: input.index,
      });
    if (input.index < s.digests.length) {
      if (s.digests[input.index]!.toString('hex') !== digest)
        throw new ApiError('CONFLICT', `Chunk ${input.index} differs from the one already received`, { reason: 'chunk_differs', index: input.index });
      return this.state(s); // a repeat after a lost reply
    }
    if (input.index > s.digests.length)
      throw new ApiError('VALIDATION_ERROR', `Expected chunk ${s.digests.length}, got ${input.index}`, {
        reason: 'chunk_order',
        expected: s.digests.length,
        index: input.index,
      });
    const last = s.received + bytes.length === s.size;
    if (bytes.length === 0 || (!last && bytes.length !== UPLOAD_CHUNK_BYTES) || s.received + bytes.length > s.size)
      throw new ApiError(
        'VALIDATION_ERROR',
        `Chunk ${input.index} has ${bytes.length} bytes; chunks carry ${UPLOAD_CHUNK_BYTES} bytes (the last one the rest)`,
        { reason: 'chunk_size', index: input.index, bytes: bytes.length, chunkBytes: UPLOAD_CHUNK_BYTES },
      );
    appendFileSync(s.path, s.cipher.update(bytes));
    s.digests.push(Buffer.from(digest, 'hex'));
    s.received += bytes.length;
    return this.state(s);
  }

  async finish(input: { id: string; sha256: string }): Promise<{ hash: string; ref: string; size: number }> {
    const s = this.get(input.id);
    if (s.busy) throw new ApiError('CONFLICT', 'This upload is already being stored', { reason: 'upload_busy' });
    if (s.received !== s.size)
      throw new ApiError('VALIDATION_ERROR', `Only ${s.received} of ${s.size} bytes received; send chunk ${s.digests.length} next`, {
        reason: 'upload_incomplete',
        received: s.received,
        size: s.size,
        next: s.digests.length,
      });
    const listDigest = createHash('sha256').update(Buffer.concat(s.digests)).digest('hex');
    if (listDigest !== input.sha256) {
      this.drop(s);
      throw new ApiError('VALIDATION_ERROR', 'The file does not match its digest; nothing was stored', { reason: 'file_digest' });
    }
    s.busy = true;
    try {
      // Read twice (hash, then seal): decrypting and stripping the staged bytes gives the same bytes each time.
      const open = () => {
        const out = new PassThrough();
        const decipher = createDecipheriv('aes-256-ctr', s.key, s.iv);
        const staged = createReadStream(s.path, { highWaterMark: 1024 * 1024 });
        const done = s.rule.keepLocation ? pipeline(staged, decipher, out) : pipeline(staged, decipher, stripLocationStream(), out);
        done.catch((e: Error) => out.destroy(e));
        return out;
      };
      return await this.store.putReplayable(open, { name: s.name, mime: s.mime, nowIso: this.now() }, { maxBytes: s.rule.maxBytes });
    } catch (e) {
      if (e instanceof AttachmentTooLarge) throw tooLarge(s.size, e.maxBytes);
      throw e;
    } finally {
      this.drop(s);
    }
  }

  abort(id: string): boolean {
    const s = this.sessions.get(id);
    if (s) this.drop(s);
    return !!s;
  }

  private drop(s: Session): void {
    this.sessions.delete(s.id);
    rmSync(s.path, { force: true });
  }

  private expire(): void {
    for (const s of [...this.sessions.values()]) if (!s.busy && Date.now() - s.touched > IDLE_MS) this.drop(s);
  }
}
