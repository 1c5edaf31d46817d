// Blob store in PostgreSQL (when DATABASE_URL is set): one row per declared blob, one BYTEA row per
// sealed chunk. A chunk is one INSERT (whole or absent); the quota check and the reservation run
// in one transaction under a per-tenant advisory lock, so two declares cannot both squeeze in.
import type pg from 'pg';
import { withTx } from '../storage/postgres-helpers';
import type { BlobMeta, BlobStore, DeclareOutcome } from './types';

/** Advisory lock namespace for per-tenant quota checks (beside the feed's FEED_LOCK_NS). */
const QUOTA_LOCK_NS = 7406;

interface MetaRow {
  tenant: string;
  blob: string;
  size: number;
  chunks: number;
  key_version: number;
  device: string;
  created_at: string;
}

const toMeta = (r: MetaRow): BlobMeta => ({
  tenant: r.tenant,
  blob: r.blob,
  size: Number(r.size),
  chunks: r.chunks,
  keyVersion: r.key_version,
  device: r.device,
  createdAt: r.created_at,
});

export class PgBlobStore implements BlobStore {
  readonly backend = 'postgres' as const;

  constructor(private readonly pool: pg.Pool) {}

  declare(meta: BlobMeta, quotaBytes: number): Promise<DeclareOutcome> {
    return withTx(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [QUOTA_LOCK_NS, meta.tenant]);
      const existing = await c.query<MetaRow>('SELECT * FROM attachment_blobs WHERE tenant = $1 AND blob = $2', [meta.tenant, meta.blob]);
      if (existing.rows[0]) {
        const m = toMeta(existing.rows[0]);
        const same = m.size === meta.size && m.chunks === meta.chunks && m.keyVersion === meta.keyVersion;
        return same ? { ok: true as const, meta: m } : { ok: false as const, reason: 'conflict' as const, meta: m };
      }
      const used = await c.query<{ n: string | null }>('SELECT sum(size) AS n FROM attachment_blobs WHERE tenant = $1', [meta.tenant]);
      const usedBytes = Number(used.rows[0]?.n ?? 0);
      if (usedBytes + meta.size > quotaBytes) return { ok: false as const, reason: 'quota' as const, usedBytes };
      await c.query('INSERT INTO attachment_blobs (tenant, blob, size, chunks, key_version, device, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)', [
        meta.tenant,
        meta.blob,
        meta.size,
        meta.chunks,
        meta.keyVersion,
        meta.device,
        meta.createdAt,
      ]);
      return { ok: true as const, meta };
    });
  }

  async meta(tenant: string, blob: string): Promise<BlobMeta | null> {
    const r = await this.pool.query<MetaRow>('SELECT * FROM attachment_blobs WHERE tenant = $1 AND blob = $2', [tenant, blob]);
    return r.rows[0] ? toMeta(r.rows[0]) : null;
  }

  async have(tenant: string, blob: string): Promise<number[]> {
    const r = await this.pool.query<{ idx: number }>('SELECT idx FROM attachment_chunks WHERE tenant = $1 AND blob = $2 ORDER BY idx', [tenant, blob]);
    return r.rows.map((x) => x.idx);
  }

  async putChunk(tenant: string, blob: string, index: number, given: Uint8Array | readonly Uint8Array[]): Promise<void> {
    const bytes = given instanceof Uint8Array ? given : Buffer.concat(given);
    await this.pool.query('INSERT INTO attachment_chunks (tenant, blob, idx, bytes) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING', [
      tenant,
      blob,
      index,
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength),
    ]);
  }

  async readChunk(tenant: string, blob: string, index: number): Promise<Buffer | null> {
    const r = await this.pool.query<{ bytes: Buffer }>('SELECT bytes FROM attachment_chunks WHERE tenant = $1 AND blob = $2 AND idx = $3', [
      tenant,
      blob,
      index,
    ]);
    return r.rows[0]?.bytes ?? null;
  }

  async usedBytes(tenant: string): Promise<number> {
    const r = await this.pool.query<{ n: string | null }>('SELECT sum(size) AS n FROM attachment_blobs WHERE tenant = $1', [tenant]);
    return Number(r.rows[0]?.n ?? 0);
  }

  close(): Promise<void> {
    // The pool belongs to the storage; it closes it.
    return Promise.resolve();
  }
}
