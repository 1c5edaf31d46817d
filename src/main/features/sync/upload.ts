// Chunked, resumable upload of one attachment (decision 0015): declare the blob, learn which chunks
// the server holds, then seal and PUT each missing chunk in order, one at a time, read straight from
// the attachment store (never the whole file in memory). Every request is device-signed.
import type { Readable } from 'node:stream';
import { blobPath, blobStateSchema, chunkCountOf, chunkPath, chunkPlainLength, CHUNK_BYTES, type BlobState } from '../../../shared/sync/attachments';
import { compileSchema } from '../../../shared/validation';
import { NetworkError, sendBytes, type BytesReply } from '../../platform/device/signed-fetch';
import type { DeviceSigner } from '../../platform/device/credential';
import type { SyncConfig } from '../../platform/device/sync-config';
import { sealChunk, type ChunkPlace } from './chunk-crypto';
import type { EngineCtx } from './context';
import type { OutboxRow } from './ports';
import type { Transfers } from './transfers';

const blobStateValid = compileSchema(blobStateSchema);

type UploadOutcome = { kind: 'stored' } | { kind: 'paused' } | { kind: 'refused'; message: string } | { kind: 'later'; message: string };

interface UploadInput {
  cfg: SyncConfig;
  signer: DeviceSigner;
  row: OutboxRow;
  transfers: Transfers;
}

/** Exactly `length` bytes of a stream (fewer only at its end); the stream is closed after. */
async function readExactly(source: Readable, length: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let got = 0;
  try {
    for await (const chunk of source) {
      const b = chunk as Buffer;
      parts.push(b);
      got += b.length;
      if (got >= length) break;
    }
  } finally {
    source.destroy();
  }
  return Buffer.concat(parts, Math.min(got, length)).subarray(0, length);
}

/** The data key an item was sealed with (tenant or device scope, at its version). */
async function keyOf(ctx: EngineCtx, row: OutboxRow): Promise<Buffer> {
  const src = row.key_scope === 'tenant' ? ctx.d.tenantKeys : ctx.d.dataKeys;
  return src.get(row.tenant, row.key_version!);
}

/** A reply that is not a blob state: refused for good (4xx but rate limits) or later. */
function judge(reply: BytesReply, what: string): UploadOutcome | BlobState {
  if (reply.status === 200 && blobStateValid(reply.json)) return reply.json as BlobState;
  const err = (reply.json as { error?: { code?: string; message?: string } } | null)?.error;
  const text = `${err?.code ?? `HTTP ${reply.status}`}: ${err?.message ?? what}`;
  if (reply.status >= 400 && reply.status < 500 && reply.status !== 429 && reply.status !== 401) return { kind: 'refused', message: text };
  return { kind: 'later', message: text };
}

const isState = (x: UploadOutcome | BlobState): x is BlobState => 'blob' in x;

/** Upload every chunk the server lacks; NetworkError propagates (the run goes offline). */
export async function uploadAttachment(ctx: EngineCtx, u: UploadInput): Promise<UploadOutcome> {
  const { d, fetchFn } = ctx;
  const hash = u.row.attachment_hash!;
  const blob = (JSON.parse(u.row.blob_ids!) as string[])[0]!;
  const stat = d.attachments.stat(hash);
  if (!stat) return { kind: 'refused', message: 'The attachment file is no longer on this device' };
  const chunks = chunkCountOf(stat.size);
  const declared = judge(
    await sendBytes(
      fetchFn,
      u.cfg.serverUrl,
      'POST',
      blobPath(blob),
      JSON.stringify({ size: stat.size, chunkBytes: CHUNK_BYTES, chunks, keyVersion: u.row.key_version }),
      u.signer,
    ),
    'declaring the attachment',
  );
  if (!isState(declared)) return declared;
  const have = new Set(declared.have);
  let done = declared.have.reduce((n, i) => n + chunkPlainLength(stat.size, i), 0);
  u.transfers.begin({ hash, direction: 'upload', device: null, name: stat.name, totalBytes: stat.size, doneBytes: done });
  const key = await keyOf(ctx, u.row);
  for (let index = 0; index < chunks; index++) {
    if (have.has(index)) continue;
    if (u.transfers.isPaused(hash)) {
      u.transfers.end('upload', hash, 'paused', 'Paused');
      return { kind: 'paused' };
    }
    const plain = await readExactly(d.attachments.openRead(hash, index * CHUNK_BYTES), chunkPlainLength(stat.size, index));
    const place: ChunkPlace = { tenant: u.row.tenant, blob, index, count: chunks, keyVersion: u.row.key_version! };
    let reply: BytesReply;
    try {
      reply = await sendBytes(fetchFn, u.cfg.serverUrl, 'PUT', chunkPath(blob, index), sealChunk(key, place, plain), u.signer);
    } catch (e) {
      if (e instanceof NetworkError) u.transfers.end('upload', hash, 'waiting', e.message);
      throw e;
    }
    const st = judge(reply, `storing chunk ${index}`);
    if (!isState(st)) {
      const message = 'message' in st ? st.message : null;
      u.transfers.end('upload', hash, st.kind === 'refused' ? 'refused' : 'waiting', message);
      return st;
    }
    done += plain.length;
    u.transfers.progress('upload', hash, done);
  }
  u.transfers.end('upload', hash, 'done');
  return { kind: 'stored' };
}
