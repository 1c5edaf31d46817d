// The attachment blob store: sealed chunks of attachments (docs/decisions/0020-attachment-upload.md),
// on the filesystem by default (./fs-store.ts) and in PostgreSQL when DATABASE_URL is set
// (./pg-store.ts). The server never holds a key: every byte here is AES-256-GCM ciphertext.

export interface BlobMeta {
  tenant: string;
  /** HMAC-SHA256 of the file's digest under the tenant key (hex): the server never sees the digest. */
  blob: string;
  /** Plaintext size the device declared (the ciphertext is 16 bytes more per chunk). */
  size: number;
  chunks: number;
  keyVersion: number;
  /** The device that declared it first. */
  device: string;
  createdAt: string;
}

export type DeclareOutcome =
  { ok: true; meta: BlobMeta } | { ok: false; reason: 'quota'; usedBytes: number } | { ok: false; reason: 'conflict'; meta: BlobMeta };

export interface BlobStore {
  readonly backend: 'fs' | 'postgres';
  /**
   * Declare a blob, reserving its size against the tenant's quota (atomic with the quota check).
   * Declaring the same blob again with the same shape answers its meta; another shape: conflict.
   */
  declare(meta: BlobMeta, quotaBytes: number): Promise<DeclareOutcome>;
  meta(tenant: string, blob: string): Promise<BlobMeta | null>;
  /**
   * Chunk indices stored, ascending (each stored whole). All of them only once the blob is durable:
   * a store that flushes lazily flushes the whole blob before it answers every chunk.
   */
  have(tenant: string, blob: string): Promise<number[]>;
  /** Store one sealed chunk (given whole or as pieces in order) whole or not at all; storing a chunk already held is a no-op. */
  putChunk(tenant: string, blob: string, index: number, bytes: Uint8Array | readonly Uint8Array[]): Promise<void>;
  readChunk(tenant: string, blob: string, index: number): Promise<Buffer | null>;
  /** Declared plaintext bytes of the tenant's blobs (what the quota counts). */
  usedBytes(tenant: string): Promise<number>;
  close(): Promise<void>;
}

/** Every chunk of the blob is stored. */
export async function isComplete(store: BlobStore, tenant: string, blob: string): Promise<boolean> {
  const meta = await store.meta(tenant, blob);
  if (!meta) return false;
  return (await store.have(tenant, blob)).length === meta.chunks;
}
