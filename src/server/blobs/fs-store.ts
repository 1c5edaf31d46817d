// Blob store on the filesystem: <root>/<tenant>/<blob>/meta.json and one file per sealed chunk.
// A chunk is written to a temporary name and renamed, so a killed process leaves it whole or absent;
// only a chunk file of exactly its sealed length counts. A chunk is not flushed one by one: when the
// last one arrives, every chunk file and the directory are flushed together and a `durable` marker
// is written, and only then does the blob answer all its chunks (so only then is it complete, the
// state a record's receipt waits for). A power cut before that loses at most chunks of an incomplete
// blob, which the device sends again; see docs/decisions/0020-attachment-upload.md.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { chunkSealedLength } from '../../shared/sync/attachments';
import type { BlobMeta, BlobStore, DeclareOutcome } from './types';

const TENANT = /^[a-z0-9][a-z0-9._-]*$/;
const BLOB = /^[0-9a-f]{64}$/;
const CHUNK_FILE = /^(\d+)\.chunk$/;
const DURABLE = 'durable';

/** Write to a temporary name, then rename: a killed process leaves the file whole or absent. */
async function writeAtomic(path: string, parts: readonly Uint8Array[], flush: boolean): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writev(parts as Uint8Array[]);
    if (flush) await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

async function flushPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class FsBlobStore implements BlobStore {
  readonly backend = 'fs' as const;
  /** Declared bytes per tenant, counted once from disk, then kept (this process owns the directory). */
  private readonly used = new Map<string, number>();
  /** Declares run one at a time, so the quota check and the reservation cannot interleave. */
  private queue: Promise<unknown> = Promise.resolve();
  /** Background write-back of chunks stored by this process, awaited before a blob is marked durable. */
  private readonly flushing = new Map<string, Promise<unknown>[]>();

  constructor(private readonly root: string) {}

  private dir(tenant: string, blob: string): string {
    if (!TENANT.test(tenant) || !BLOB.test(blob)) throw new Error('invalid tenant or blob id');
    return join(this.root, tenant, blob);
  }

  declare(meta: BlobMeta, quotaBytes: number): Promise<DeclareOutcome> {
    const run = this.queue.then(() => this.declareNow(meta, quotaBytes));
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async declareNow(meta: BlobMeta, quotaBytes: number): Promise<DeclareOutcome> {
    const existing = await this.meta(meta.tenant, meta.blob);
    if (existing) {
      const same = existing.size === meta.size && existing.chunks === meta.chunks && existing.keyVersion === meta.keyVersion;
      return same ? { ok: true, meta: existing } : { ok: false, reason: 'conflict', meta: existing };
    }
    const usedBytes = await this.usedBytes(meta.tenant);
    if (usedBytes + meta.size > quotaBytes) return { ok: false, reason: 'quota', usedBytes };
    const dir = this.dir(meta.tenant, meta.blob);
    await mkdir(dir, { recursive: true });
    await writeAtomic(join(dir, 'meta.json'), [Buffer.from(JSON.stringify(meta))], true);
    this.used.set(meta.tenant, usedBytes + meta.size);
    return { ok: true, meta };
  }

  async meta(tenant: string, blob: string): Promise<BlobMeta | null> {
    try {
      return JSON.parse(await readFile(join(this.dir(tenant, blob), 'meta.json'), 'utf8')) as BlobMeta;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async have(tenant: string, blob: string): Promise<number[]> {
    const dir = this.dir(tenant, blob);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const meta = await this.meta(tenant, blob);
    if (!meta) return [];
    if (names.includes(DURABLE)) return Array.from({ length: meta.chunks }, (_, i) => i);
    const found: number[] = [];
    for (const n of names) {
      const m = CHUNK_FILE.exec(n);
      if (m && Number(m[1]) < meta.chunks) found.push(Number(m[1]));
    }
    // A chunk renamed into place but never flushed can come back short after a power cut.
    const sizes = await Promise.all(
      found.map((i) =>
        stat(join(dir, `${i}.chunk`)).then(
          (st) => st.size,
          () => -1,
        ),
      ),
    );
    const out = found.filter((i, k) => sizes[k] === chunkSealedLength(meta.size, i)).sort((a, b) => a - b);
    if (out.length < meta.chunks) return out;
    // Every chunk is here: flush them and the directory, then mark the blob durable.
    await Promise.all(this.flushing.get(`${tenant}/${blob}`) ?? []);
    this.flushing.delete(`${tenant}/${blob}`);
    await Promise.all(out.map((i) => flushPath(join(dir, `${i}.chunk`))));
    await flushPath(dir);
    await writeAtomic(join(dir, DURABLE), [Buffer.from(new Date().toISOString())], true);
    await flushPath(dir);
    return out;
  }

  async putChunk(tenant: string, blob: string, index: number, bytes: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const path = join(this.dir(tenant, blob), `${index}.chunk`);
    await writeAtomic(path, bytes instanceof Uint8Array ? [bytes] : bytes, false);
    // Start writing it back now, without making the device wait for it, so the flush at completion
    // finds little left to do (an error here only means that flush does the work).
    const key = `${tenant}/${blob}`;
    const flushes = this.flushing.get(key) ?? [];
    flushes.push(flushPath(path).catch(() => undefined));
    this.flushing.set(key, flushes);
  }

  async readChunk(tenant: string, blob: string, index: number): Promise<Buffer | null> {
    try {
      return await readFile(join(this.dir(tenant, blob), `${index}.chunk`));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }

  async usedBytes(tenant: string): Promise<number> {
    const cached = this.used.get(tenant);
    if (cached !== undefined) return cached;
    let total = 0;
    let blobs: string[] = [];
    try {
      blobs = await readdir(join(this.root, tenant));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    for (const b of blobs) if (BLOB.test(b)) total += (await this.meta(tenant, b))?.size ?? 0;
    this.used.set(tenant, total);
    return total;
  }

  /** Temporary files a crash left behind (never renamed into place). */
  async sweep(): Promise<void> {
    const tenants = await readdir(this.root).catch(() => [] as string[]);
    for (const t of tenants) {
      for (const b of await readdir(join(this.root, t)).catch(() => [] as string[])) {
        for (const f of await readdir(join(this.root, t, b)).catch(() => [] as string[])) {
          if (f.endsWith('.tmp')) await rm(join(this.root, t, b, f), { force: true });
        }
      }
    }
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
