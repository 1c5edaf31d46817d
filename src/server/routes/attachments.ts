// /v1/attachments: sealed attachment chunks over the signed protocol (decision 0020). Every
// request is device-signed (device-auth.ts covers the exact body bytes), scoped to the device's
// tenant, and answered with what the server holds of the blob, so a device resumes at the first
// missing chunk. The server stores ciphertext only and never holds a key.
import { Hono } from 'hono';
import { ApiError } from '../../shared/errors';
import { blobDeclareSchema, chunkCountOf, chunkSealedLength, MAX_BLOB_BYTES, type BlobDeclare, type BlobState } from '../../shared/sync/attachments';
import { assertValid } from '../../shared/validation';
import type { ServerDeps } from '../deps';
import { jsonBody, type AppEnv } from '../http';
import type { BlobMeta, BlobStore } from '../blobs/types';

type AttachmentsDeps = Pick<ServerDeps, 'blobs' | 'clock' | 'attachmentQuotaBytes' | 'maxAttachmentBytes'>;

/** Default per-tenant quota (MAESTRO_SERVER_ATTACHMENT_QUOTA_BYTES). */
const DEFAULT_ATTACHMENT_QUOTA_BYTES = 20 * 1024 * 1024 * 1024;

const BLOB = /^[0-9a-f]{64}$/;
const INDEX = /^(0|[1-9][0-9]{0,5})$/;

function blobParam(raw: string): string {
  if (!BLOB.test(raw)) throw new ApiError('VALIDATION_ERROR', 'The attachment id must be 64 hex characters', { reason: 'blob_id' });
  return raw;
}

function storeOf(deps: AttachmentsDeps): BlobStore {
  if (!deps.blobs) throw new ApiError('UNAVAILABLE', 'This server has no attachment store configured', { reason: 'no_blob_store' });
  return deps.blobs;
}

async function stateOf(store: BlobStore, meta: BlobMeta): Promise<BlobState> {
  const have = await store.have(meta.tenant, meta.blob);
  return { blob: meta.blob, size: meta.size, chunks: meta.chunks, keyVersion: meta.keyVersion, have, complete: have.length === meta.chunks };
}

async function metaOr404(store: BlobStore, tenant: string, blob: string): Promise<BlobMeta> {
  const meta = await store.meta(tenant, blob);
  if (!meta) throw new ApiError('NOT_FOUND', `No attachment ${blob} in this tenant`, { reason: 'unknown_blob' });
  return meta;
}

function indexParam(raw: string, meta: BlobMeta): number {
  const index = INDEX.test(raw) ? Number(raw) : -1;
  if (index < 0 || index >= meta.chunks) {
    throw new ApiError('VALIDATION_ERROR', `Chunk index must be 0-${meta.chunks - 1}`, { reason: 'chunk_index', chunks: meta.chunks });
  }
  return index;
}

export function createAttachmentsRouter(deps: AttachmentsDeps): Hono<AppEnv> {
  const router = new Hono<AppEnv>();
  const limit = Math.min(deps.maxAttachmentBytes ?? MAX_BLOB_BYTES, MAX_BLOB_BYTES);
  const quota = deps.attachmentQuotaBytes ?? DEFAULT_ATTACHMENT_QUOTA_BYTES;

  router.post('/:blob', async (c) => {
    const store = storeOf(deps);
    const device = c.get('device');
    const blob = blobParam(c.req.param('blob'));
    const d = assertValid<BlobDeclare>(blobDeclareSchema, jsonBody(c), 'Attachment declaration');
    if (d.chunks !== chunkCountOf(d.size)) {
      throw new ApiError('VALIDATION_ERROR', `A file of ${d.size} bytes has ${chunkCountOf(d.size)} chunks`, { reason: 'chunk_count' });
    }
    if (d.size > limit) {
      throw new ApiError('PAYLOAD_TOO_LARGE', `This server takes attachments of at most ${limit} bytes; this one has ${d.size}`, {
        reason: 'attachment_too_large',
        limitBytes: limit,
        size: d.size,
      });
    }
    const meta: BlobMeta = {
      tenant: device.tenant,
      blob,
      size: d.size,
      chunks: d.chunks,
      keyVersion: d.keyVersion,
      device: device.id,
      createdAt: deps.clock.now().toISOString(),
    };
    const out = await store.declare(meta, quota);
    if (!out.ok && out.reason === 'quota') {
      throw new ApiError('QUOTA_EXCEEDED', `The tenant's attachment quota is ${quota} bytes; ${out.usedBytes} are used and this file needs ${d.size} more`, {
        reason: 'quota',
        quotaBytes: quota,
        usedBytes: out.usedBytes,
        size: d.size,
      });
    }
    if (!out.ok) throw new ApiError('CONFLICT', 'This attachment id was declared with another size or key version', { reason: 'blob_conflict' });
    return c.json(await stateOf(store, out.meta));
  });

  router.put('/:blob/chunks/:index', async (c) => {
    const store = storeOf(deps);
    const device = c.get('device');
    const meta = await metaOr404(store, device.tenant, blobParam(c.req.param('blob')));
    const index = indexParam(c.req.param('index'), meta);
    const body = c.get('rawBody');
    const want = chunkSealedLength(meta.size, index);
    if (body.length !== want) {
      throw new ApiError('VALIDATION_ERROR', `Chunk ${index} must be ${want} bytes sealed; got ${body.length}`, { reason: 'chunk_length', expected: want });
    }
    await store.putChunk(meta.tenant, meta.blob, index, body.parts);
    return c.json(await stateOf(store, meta));
  });

  router.get('/:blob', async (c) => {
    const store = storeOf(deps);
    const meta = await metaOr404(store, c.get('device').tenant, blobParam(c.req.param('blob')));
    return c.json(await stateOf(store, meta));
  });

  router.get('/:blob/chunks/:index', async (c) => {
    const store = storeOf(deps);
    const meta = await metaOr404(store, c.get('device').tenant, blobParam(c.req.param('blob')));
    const index = indexParam(c.req.param('index'), meta);
    const bytes = await store.readChunk(meta.tenant, meta.blob, index);
    if (!bytes) throw new ApiError('NOT_FOUND', `Chunk ${index} of ${meta.blob} is not stored yet`, { reason: 'chunk_missing' });
    return c.body(new Uint8Array(bytes), 200, { 'content-type': 'application/octet-stream' });
  });

  return router;
}
