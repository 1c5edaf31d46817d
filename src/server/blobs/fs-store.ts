// Blob store on the filesystem: <root>/<tenant>/<blob>/meta.json and one file per sealed chunk.
// A chunk is written to a temporary name, flushed and renamed: a crash leaves it whole or absent.
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobMeta, BlobStore, DeclareOutcome } from './types';

const TENANT = /^[a-z0-9][a-z0-9._-]*$/;
const BLOB = /^[0-9a-f]{64}$/;
const CHUNK_FILE = /^(\d+)\.chunk$/;

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(bytes);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(tmp, path);
}

export class FsBlobStore implements BlobStore {
  readonly backend = 'fs' as const;
  /** Declared bytes per tenant, counted once from disk, then kept (this process owns the directory). */
  private readonly used = new Map<string, number>();
  /** Declares run one at a time, so the quota check and the reservation cannot interleave. */
  private queue: Promise<unknown> = Promise.resolve();

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
    await writeAtomic(join(dir, 'meta.json'), Buffer.from(JSON.stringify(meta)));
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
    let names: string[];
    try {
      names = await readdir(this.dir(tenant, blob));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw e;
    }
    const out: number[] = [];
    for (const n of names) {
      const m = CHUNK_FILE.exec(n);
      if (m) out.push(Number(m[1]));
    }
    return out.sort((a, b) => a - b);
  }

  async putChunk(tenant: string, blob: string, index: number, bytes: Uint8Array): Promise<void> {
    await writeAtomic(join(this.dir(tenant, blob), `${index}.chunk`), bytes);
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
